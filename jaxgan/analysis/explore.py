"""Exploring a trained label-aware generator (seed 003 section 2): class grids, class "mean" images,
interpolation, noise on latents and on class embeddings, made-up embeddings, and D's per-class accuracy.

`explore(gan, state, meta, what, out, key)` writes the figures (`python -m jaxgan.explore`, jaxgan.cli.explore,
is its command): each NAME writes `OUT/NAME.png` and `OUT/NAME.json` (what the rows show, and the numbers
where some apply); `d_accuracy` also writes `d_accuracy.md` (a table like seed 003's Table 3) and a bar chart.

A GAN is label-aware in one of two ways, and everything here is written against that capability, never a
variant (see `class_space`):
- a prior with components (GM-GAN): class k's *embedding* is the component mean mu[k], its latent offsets
  are sigma[k] * eps, and the generator sees mu[k] + sigma[k] * eps; the class "mean" image is G(mu[k]);
- a conditional generator exposing `label_codes(labels) -> [B, E]` (and accepting such float codes as its
  labels): the embedding is the code, the latent is z ~ N(0, I), and the class mean image is G(0, code[k]).

All images of one figure share their base noise eps (column j uses eps_j in every row), so rows differ only
in what the row varies. Seed 003 specifies eps in {0.1, 0.5, 1, 2} for the noise figures and 3 made-up
embeddings inside and 2 far outside the learned range; how "far" is ours (see `fake_embeddings`).
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any, Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from jaxgan.parts import latents, models
from jaxgan.viz import grids

WHATS = ("class_grid", "class_means", "interpolate", "latent_noise", "embedding_noise", "fake_embeddings",
         "d_accuracy")
NOISE_EPS = (0.1, 0.5, 1.0, 2.0)  # seed 003 section 2.5
FAKE_INSIDE, FAKE_OUTSIDE = 3, 2  # seed 003 section 2.3: 3 made-up embeddings in the learned range, 2 far out
FAR = 3.0  # ours: an outside embedding sits FAR range-widths beyond the learned range, in every coordinate

Decode = Callable[[jax.Array, jax.Array], jax.Array]


@dataclasses.dataclass(frozen=True)
class ClassSpace:
    """How a label-aware generator turns (latent offset, class embedding) into images.

    embeddings: `[K, E]` the learned class embeddings (mixture means or label codes);
    scales: `[K, d]` the spread of each class's latent offsets (mixture sigmas, or ones);
    decode: `(z [B, d], embedding [B, E]) -> images [B, H, W, C]` in [-1, 1].
    """

    kind: str  # "mixture" or "conditional"
    embeddings: jax.Array
    scales: jax.Array
    decode: Decode

    @property
    def num_classes(self) -> int:
        return int(self.embeddings.shape[0])

    @property
    def latent_dim(self) -> int:
        return int(self.scales.shape[1])


def _generator_params(state, use_ema: bool) -> dict:
    params = dict(state.params)
    if use_ema and state.ema_params:
        params["generator"] = state.ema_params
    return params


def class_space(gan, state, use_ema: bool = True) -> ClassSpace:
    """The class space of `gan` in `state`; ValueError when the GAN is not label-aware."""
    params = _generator_params(state, use_ema)
    if latents.has_mixture(gan.prior):
        mu, sigma = gan.prior.apply({"params": params["prior"]}, method="components")

        def decode(z, emb):
            # The component an embedding is closest to is the label a generator that reads labels is given.
            labels = jnp.argmin(((emb[:, None, :] - mu[None]) ** 2).sum(-1), axis=1).astype(jnp.int32)
            return gan.generate_from(params, state.model_state, emb + z, labels)[0]

        return ClassSpace("mixture", mu, sigma, jax.jit(decode))
    if models.GENERATORS.declared(gan.generator, "label_codes", False):
        variables = {"params": params["generator"], **state.model_state["generator"]}
        codes = gan.generator.apply(variables, jnp.arange(gan.num_classes, dtype=jnp.int32), method="label_codes")
        dim = int(gan.prior.dim)
        decode = lambda z, emb: gan.generate_from(params, state.model_state, z, emb)[0]
        return ClassSpace("conditional", codes, jnp.ones((gan.num_classes, dim), jnp.float32), jax.jit(decode))
    raise ValueError("this GAN is not label-aware: its prior has no components and its generator no label_codes")


# --------------------------------------------------------------------------------------------- noise
def base_noise(key: jax.Array, num: int, dim: int) -> jax.Array:
    """eps `[num, d]` ~ N(0, I): the base noise of a figure's columns (the same stream in every figure)."""
    return jax.random.normal(jax.random.fold_in(key, 0), (num, dim))


def perturbation(key: jax.Array, shape: tuple[int, ...]) -> jax.Array:
    """n ~ N(0, I) of `shape`, independent of `base_noise(key, ...)`."""
    return jax.random.normal(jax.random.fold_in(key, 1), shape)


def _grid_inputs(space: ClassSpace, eps: jax.Array) -> tuple[jax.Array, jax.Array]:
    """(z [K * n, d], embeddings [K * n, E]) of a class grid: row k, column j is scales[k] * eps[j], emb[k]."""
    k, n = space.num_classes, eps.shape[0]
    z = (space.scales[:, None, :] * eps[None]).reshape(k * n, -1)
    return z, jnp.repeat(space.embeddings, n, axis=0)


# -------------------------------------------------------------------------------------------- figures
def class_grid(space: ClassSpace, key: jax.Array, per_class: int) -> jax.Array:
    """`[K * per_class, H, W, C]`: row k holds class k's samples, column j uses base noise eps_j."""
    return space.decode(*_grid_inputs(space, base_noise(key, per_class, space.latent_dim)))


def class_means(space: ClassSpace) -> jax.Array:
    """`[K, H, W, C]`: each class's "mean" image, its embedding with a zero latent offset."""
    return space.decode(jnp.zeros_like(space.scales), space.embeddings)


def lerp(a: jax.Array, b: jax.Array, steps: int) -> jax.Array:
    """`[steps, ...]`: (1 - t) a + t b for t = 0 .. 1; the ends are exactly a and b."""
    t = jnp.linspace(0.0, 1.0, steps).reshape((steps,) + (1,) * a.ndim)
    return (1.0 - t) * a + t * b


def interpolate_within(space: ClassSpace, key: jax.Array, steps: int) -> jax.Array:
    """`[K * steps, ...]`: row k walks from class k's sample with eps_0 to its sample with eps_1."""
    eps = base_noise(key, 2, space.latent_dim)
    z = jax.vmap(lambda s: lerp(s * eps[0], s * eps[1], steps))(space.scales).reshape(-1, space.latent_dim)
    return space.decode(z, jnp.repeat(space.embeddings, steps, axis=0))


def interpolate_between(space: ClassSpace, key: jax.Array, pairs: Sequence[tuple[int, int]],
                        steps: int) -> jax.Array:
    """`[len(pairs) * steps, ...]`: row i walks from class a_i to class b_i (embedding and spread) with eps_0."""
    eps = base_noise(key, 1, space.latent_dim)[0]
    a, b = (jnp.asarray([p[i] for p in pairs]) for i in (0, 1))
    emb = jax.vmap(lerp, (0, 0, None))(space.embeddings[a], space.embeddings[b], steps)
    scale = jax.vmap(lerp, (0, 0, None))(space.scales[a], space.scales[b], steps)
    return space.decode((scale * eps).reshape(-1, space.latent_dim), emb.reshape(-1, emb.shape[-1]))


def latent_noise(space: ClassSpace, key: jax.Array, per_class: int, eps_values: Sequence[float]) -> jax.Array:
    """`[len(eps) * K * per_class, ...]`: for each eps, the class grid with eps * n added to every latent."""
    z, emb = _grid_inputs(space, base_noise(key, per_class, space.latent_dim))
    n = perturbation(key, z.shape)
    return jnp.concatenate([space.decode(z + e * n, emb) for e in eps_values])


def embedding_noise(space: ClassSpace, key: jax.Array, per_class: int, eps_values: Sequence[float]) -> jax.Array:
    """`[len(eps) * K * per_class, ...]`: for each eps, the class grid with eps * n_k added to class k's embedding.

    One n_k per class, shared by its samples (latent_noise draws one per sample). For a mixture prior G sees
    only embedding + latent offset, so with `per_class=1` the two figures coincide.
    """
    z, emb = _grid_inputs(space, base_noise(key, per_class, space.latent_dim))
    n = jnp.repeat(perturbation(key, space.embeddings.shape), per_class, axis=0)
    return jnp.concatenate([space.decode(z, emb + e * n) for e in eps_values])


def fake_embedding_vectors(embeddings: jax.Array, key: jax.Array) -> jax.Array:
    """`[FAKE_INSIDE + FAKE_OUTSIDE, E]` made-up embeddings for `embeddings [K, E]` (seed 003 Fig. 10).

    The first FAKE_INSIDE are uniform within the per-coordinate [min, max] of the learned embeddings; the
    others lie FAR range-widths beyond it in every coordinate, on a random side (ours).
    """
    lo, hi = embeddings.min(0), embeddings.max(0)
    k_in, k_side = jax.random.split(jax.random.fold_in(key, 2))
    inside = jax.random.uniform(k_in, (FAKE_INSIDE, embeddings.shape[1]), minval=lo, maxval=hi)
    side = jax.random.rademacher(k_side, (FAKE_OUTSIDE, embeddings.shape[1])).astype(jnp.float32)
    outside = jnp.where(side > 0, hi + FAR * (hi - lo), lo - FAR * (hi - lo))
    return jnp.concatenate([inside, outside])


def fake_embeddings(space: ClassSpace, key: jax.Array, per_class: int) -> tuple[jax.Array, jax.Array]:
    """(images `[5 * per_class, ...]`, the made-up embeddings `[5, E]`); the latent offsets use the mean spread."""
    fake = fake_embedding_vectors(space.embeddings, key)
    eps = base_noise(key, per_class, space.latent_dim)
    z = jnp.tile(space.scales.mean(0) * eps, (fake.shape[0], 1))
    return space.decode(z, jnp.repeat(fake, per_class, axis=0)), fake


# ---------------------------------------------------------------------------------------- D accuracy
def d_accuracy_table(real_scores: np.ndarray, real_labels: np.ndarray, fake_scores: np.ndarray,
                     fake_labels: np.ndarray, num_classes: int) -> list[dict[str, Any]]:
    """Per class: the share of real images D calls real (realness logit > 0) and of fakes it calls fake (< 0).

    `*_scores [N]` are D's realness logits, `*_labels [N]` the true class (real) or the class asked for
    (fake). One dict per class (class, num_real, real_accuracy, num_fake, fake_accuracy); None where a
    class has no images.
    """
    rows = []
    for c in range(num_classes):
        real, fake = real_scores[real_labels == c], fake_scores[fake_labels == c]
        rows.append(dict(cls=c, num_real=int(real.size), real_accuracy=float(np.mean(real > 0)) if real.size else None,
                         num_fake=int(fake.size), fake_accuracy=float(np.mean(fake < 0)) if fake.size else None))
    return rows


def d_accuracy(gan, state, key: jax.Array, real_images: np.ndarray, real_labels: np.ndarray,
               fakes_per_class: int) -> list[dict[str, Any]]:
    """Seed 003 Table 3 for `gan` in `state`: D's real accuracy on `real_images [N, H, W, C]` (uint8 or
    [-1, 1]) with their labels, and its fake accuracy on `fakes_per_class` generated samples per class.

    D runs in evaluation mode and sees each image with its (true or requested) label. One batch each: a
    few thousand MNIST-sized images fit in memory at once.
    """
    from jaxgan.data import datasets as data

    if real_images.dtype == np.uint8:
        real_images = data.scale_images(jnp.asarray(real_images))
    fake_labels = grids.grid_labels(range(grids.num_components(gan)), fakes_per_class)
    fakes = jax.jit(gan.generate, static_argnums=2)(state, key, int(fake_labels.shape[0]), fake_labels)
    score = jax.jit(gan.realness)
    real = np.asarray(score(state, jnp.asarray(real_images), jnp.asarray(real_labels, jnp.int32)))
    fake = np.asarray(score(state, fakes, fake_labels))
    return d_accuracy_table(real, np.asarray(real_labels), fake, np.asarray(fake_labels),
                            grids.num_components(gan))


def d_accuracy_markdown(rows: list[dict[str, Any]]) -> str:
    """The table as markdown, in seed 003's layout (class, real accuracy, fake accuracy)."""
    pct = lambda v: "-" if v is None else f"{100 * v:.1f}%"
    lines = ["| class | real accuracy | fake accuracy | real images | fake images |", "|---|---|---|---|---|"]
    lines += [f"| {r['cls']} | {pct(r['real_accuracy'])} | {pct(r['fake_accuracy'])} | {r['num_real']} | "
              f"{r['num_fake']} |" for r in rows]
    return "\n".join(lines) + "\n"


def plot_d_accuracy(rows: list[dict[str, Any]], path: str) -> None:
    """Grouped bar chart of the per-class real and fake accuracy."""
    from matplotlib.figure import Figure

    x = np.arange(len(rows))
    fig = Figure(figsize=(7, 3.5))
    ax = fig.add_subplot()
    for offset, name in ((-0.2, "real"), (0.2, "fake")):
        ax.bar(x + offset, [np.nan if r[f"{name}_accuracy"] is None else r[f"{name}_accuracy"] for r in rows],
               width=0.4, label=f"{name} accuracy")
    ax.set(xticks=x, xlabel="class", ylabel="accuracy", ylim=(0, 1.15), yticks=np.linspace(0, 1, 6),
           title="discriminator accuracy per class")
    ax.legend(loc="upper center", ncol=2)  # above the bars: accuracies reach 1
    fig.tight_layout()
    fig.savefig(path, dpi=100)


# ------------------------------------------------------------------------------------------------ CLI
def parse_pairs(text: str | None, num_classes: int) -> list[tuple[int, int]]:
    """"2-8,3-1" -> [(2, 8), (3, 1)]; None -> every class to the next, (0, 1), (1, 2), ..., (K-1, 0)."""
    if not text:
        return [(k, (k + 1) % num_classes) for k in range(num_classes)]
    try:
        pairs = [tuple(int(v) for v in p.split("-")) for p in text.split(",") if p.strip()]
    except ValueError:
        raise ValueError(f"--pairs must look like 2-8,3-1, got {text!r}") from None
    if not pairs or any(len(p) != 2 or min(p) < 0 or max(p) >= num_classes for p in pairs):
        raise ValueError(f"--pairs must be A-B with classes in [0, {num_classes - 1}], got {text!r}")
    return pairs


def held_out_real(meta: dict, name: str | None, test_fraction: float):
    """(held-out real images, the number of them the run trained on) for `d_accuracy`.

    The held-out part of dataset `name` (default: the run's) is its test split, or for a single-split dataset
    the fixed `test_fraction` cut by `jaxgan.heldout` (the same images `jaxgan.synthetic` tests on).
    """
    from jaxgan.data import heldout
    from jaxgan.analysis import synthetic

    name = name or meta["dataset"]["name"]
    held = heldout.fit_and_heldout(name, test_fraction)[1]
    trained_on = heldout.load_named(meta["dataset"]["name"], meta["dataset"]["split"])
    return held, synthetic.count_shared(held.images, trained_on.images)


def write_json(path: str, obj: Any) -> None:
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)


def explore(gan, state, meta: dict, what: Sequence[str], out: str, key: jax.Array, *, per_class: int = 8,
            steps: int = 10, pairs: str | None = None, eps_values: Sequence[float] = NOISE_EPS,
            real: str | None = None, test_fraction: float = 0.2, fakes_per_class: int = 500) -> list[str]:
    """Writes the figures (and JSON) named in `what` into `out`; returns the paths written."""
    from jaxgan.viz import images

    space = class_space(gan, state)
    k = space.num_classes
    pair_list = parse_pairs(pairs, k)
    os.makedirs(out, exist_ok=True)
    written = []

    def save(name: str, samples, rows: int, info: dict) -> None:
        path = os.path.join(out, name)
        images.save_grid(np.asarray(samples), path + ".png", rows=rows)
        write_json(path + ".json", dict(kind=space.kind, step=int(state.step), **info))
        written.extend([path + ".png", path + ".json"])

    for name in what:
        if name == "class_grid":
            save(name, class_grid(space, key, per_class), k, dict(rows=[f"class {c}" for c in range(k)]))
        elif name == "class_means":
            emb = np.asarray(space.embeddings)
            save(name, class_means(space), 1, dict(columns=[f"class {c}" for c in range(k)],
                                                   embedding_norms=np.linalg.norm(emb, axis=1).tolist()))
        elif name == "interpolate":
            save("interpolate_within", interpolate_within(space, key, steps), k,
                 dict(rows=[f"class {c}: eps_0 -> eps_1" for c in range(k)], steps=steps))
            save("interpolate_between", interpolate_between(space, key, pair_list, steps), len(pair_list),
                 dict(rows=[f"class {a} -> class {b}" for a, b in pair_list], steps=steps))
        elif name in ("latent_noise", "embedding_noise"):
            fn = latent_noise if name == "latent_noise" else embedding_noise
            eps = (0.0, *eps_values)
            save(name, fn(space, key, 1, eps), len(eps),
                 dict(rows=[f"eps {e}" for e in eps], columns=[f"class {c}" for c in range(k)]))
        elif name == "fake_embeddings":
            samples, fake = fake_embeddings(space, key, per_class)
            emb = np.asarray(space.embeddings)
            dist = np.linalg.norm(np.asarray(fake)[:, None] - emb[None], axis=-1)
            save(name, samples, len(fake), dict(
                rows=[f"inside {i}" for i in range(FAKE_INSIDE)] + [f"outside {i}" for i in range(FAKE_OUTSIDE)],
                nearest_class=dist.argmin(1).tolist(), distance_to_nearest=dist.min(1).tolist(),
                learned_pairwise_distance_mean=float(np.linalg.norm(emb[:, None] - emb[None], axis=-1).sum()
                                                     / (k * (k - 1)))))
        elif name == "d_accuracy":
            held, seen = held_out_real(meta, real, test_fraction)
            rows = d_accuracy(gan, state, key, held.images, held.labels, fakes_per_class)
            path = os.path.join(out, name)
            write_json(path + ".json", dict(step=int(state.step), real=held.describe(), real_images_seen_in_training=seen,
                                            fakes_per_class=fakes_per_class, rows=rows))
            with open(path + ".md", "w") as f:
                f.write(d_accuracy_markdown(rows))
            plot_d_accuracy(rows, path + ".png")
            written.extend([path + ".json", path + ".md", path + ".png"])
    return written
