"""jaxgan's benchmark suite: train-step throughput, roofline and population scaling, beside PyTorch peers.

    python -m benchmarks.steps_per_sec --variant=vanilla --batch_size=64       # one JSON object
    python -m benchmarks.torch_reference --variant=vanilla --batch_size=64 --mode=compile
    python -m benchmarks.run [--suite=quick] [--dry-run]                       # writes benchmarks/RESULTS.md
    python -m benchmarks.run --suite=gpu                                       # writes benchmarks/RESULTS_GPU.md
"""
