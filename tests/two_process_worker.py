"""Worker of tests/population/test_population_train.py: one process of a (1- or 2-process) data-parallel run."""
import os, sys, json
import numpy as np
pid, n, port, data_dir, tests_dir, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
import jax
if n > 1:
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(coordinator_address=f"localhost:{port}", num_processes=n, process_id=pid)
sys.path[:0] = [tests_dir, os.path.dirname(tests_dir)]  # this checkout's jaxgan, not an installed one
from conftest import tiny_config
from jaxgan.data import datasets as data
from jaxgan.population import population
ds = data.load_idx(data_dir, "train")
config = tiny_config("vanilla", data_dir)
pop = population.build(config, ds.image_shape, ds.num_classes, ds.size, mesh=f"data:{n}" if n > 1 else "")
state, metrics = pop.jit_train_chunk(pop.init(), *pop.put_data(ds.images, ds.labels), 3)
params = population.fetch(state.members.params)
leaves = [np.asarray(x).reshape(-1) for x in jax.tree_util.tree_leaves(params)]
if pid == 0:
    np.save(out, np.concatenate(leaves))
print("ok", pid, jax.process_count(), jax.device_count())
