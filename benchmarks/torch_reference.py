"""PyTorch peers of jaxgan variants, for side-by-side speed only: prints the same JSON as steps_per_sec.

    python -m benchmarks.torch_reference --variant=vanilla --batch_size=64 --mode=eager
    python -m benchmarks.torch_reference --variant=wgan_gp_conv --batch_size=256 --mode=compile --steps=20

The networks, losses, schedule (n_d critic updates per step, each on its own real batch and fresh fakes)
and Adam settings are read from the jaxgan variant's config, so a peer trains what the JAX run trains:
the shapes of `jaxgan.models.mlp`, `jaxgan.models.conv` (critic) and `jaxgan.models.dcgan` (batch norm),
the non-saturating BCE or the Wasserstein game, the WGAN-GP gradient penalty. Written as a careful PyTorch
user would: batches gathered from the whole split held in memory as uint8, fused Adam (PyTorch's fastest on
CPU), D frozen (`requires_grad_(False)`) during G's update so no D weight gradients are computed (JAX never
computes them). `--mode=compile` wraps both networks and both optimiser steps in `torch.compile`; the GP's
double backward runs D eagerly (shared weights), since torch.compile's AOT autograd does not support
double backward. Initialisation differs from flax's (PyTorch defaults): irrelevant to speed.
`flops_per_step` comes from `torch.utils.flop_counter.FlopCounterMode` over one eager step.

`--device=auto` runs on CUDA when PyTorch sees a GPU (the data then lives on the GPU, as jaxgan's does, and
each timed chunk ends with a synchronize). There float32 matmuls may use TF32, as JAX's default precision
lets XLA do on recent NVIDIA GPUs, so both sides compute float32 the same way.
"""

from __future__ import annotations

import copy
import math
import sys
import time
from typing import Any

import numpy as np

from benchmarks import common

try:
    import torch
    from torch import nn
except ImportError:  # torch is an optional extra: pip install -e ".[torch]"
    torch = None


def _check_supported(config) -> None:
    """ValueError unless every part of `config` has a PyTorch peer here."""
    unsupported = []
    if config.generator.name not in ("mlp", "dcgan"):
        unsupported.append(f"generator {config.generator.name!r}")
    if config.discriminator.name not in ("mlp", "conv", "dcgan"):
        unsupported.append(f"discriminator {config.discriminator.name!r}")
    if config.generator.get("norm", "batch") != "batch" or config.discriminator.get("norm", "batch") != "batch":
        unsupported.append("norms other than batch norm")
    if config.generator.get("activation", "relu") != "relu":
        unsupported.append("DCGAN generator activations other than ReLU")
    if config.latent.name != "gaussian":
        unsupported.append(f"latent {config.latent.name!r}")
    if config.loss.name not in ("bce", "wasserstein"):
        unsupported.append(f"loss {config.loss.name!r}")
    if set(config.d_regularizers) - {"gradient_penalty"} or config.g_regularizers:
        unsupported.append("regularizers other than the gradient penalty")
    if config.augment.policy or config.ema_decay or config.discriminator.get("spectral_norm"):
        unsupported.append("augmentation, EMA or spectral norm")
    if any(g.get("optimizer", "adam") != "adam" or g.get("clip") for g in config.optim.values()):
        unsupported.append("optimisers other than Adam")
    if unsupported:
        raise ValueError(f"no PyTorch peer for {config.variant}: {', '.join(unsupported)}")


def mlp_generator(cfg, out_pixels: int, latent_dim: int) -> "nn.Module":
    layers, width = [], latent_dim
    for hidden in cfg.hidden:
        layers += [nn.Linear(width, hidden), nn.LeakyReLU(0.2)]
        width = hidden
    return nn.Sequential(*layers, nn.Linear(width, out_pixels), nn.Tanh())


def mlp_discriminator(cfg, in_pixels: int) -> "nn.Module":
    layers, width = [nn.Flatten()], in_pixels
    for hidden in cfg.hidden:
        layers += [nn.Linear(width, hidden), nn.LeakyReLU(0.2)]
        if cfg.dropout:
            layers.append(nn.Dropout(cfg.dropout))
        width = hidden
    return nn.Sequential(*layers, nn.Linear(width, 1))


def same_padding(size: int, kernel: int, stride: int = 2) -> int:
    """The symmetric padding with which Conv2d maps `size` to ceil(size / stride), as XLA's SAME does."""
    out = math.ceil(size / stride)
    return math.ceil(max((out - 1) * stride + kernel - size, 0) / 2)


def conv_discriminator(cfg, image_hw: int, dcgan: bool = False) -> "nn.Module":
    """jaxgan's conv critic (`models.conv`) or DCGAN discriminator (`models.dcgan`, batch norm after block 1).

    k x k stride-2 convs halving the size each time (28 -> 14 -> 7 -> 4 ...), LeakyReLU(0.2), a dense head.
    """
    layers, channels, size = [], 1, image_hw
    for i, width in enumerate(cfg.channels):
        layers.append(nn.Conv2d(channels, width, cfg.kernel_size, stride=2,
                                padding=same_padding(size, cfg.kernel_size)))
        if dcgan and i > 0:
            layers.append(nn.BatchNorm2d(width, eps=1e-5, momentum=1 - cfg.bn_momentum))
        layers.append(nn.LeakyReLU(0.2))
        if cfg.dropout:
            layers.append(nn.Dropout(cfg.dropout))
        channels, size = width, math.ceil(size / 2)
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(channels * size * size, 1))


def dcgan_generator(cfg, image_hw: int, latent_dim: int) -> "nn.Module":
    """jaxgan.models.dcgan.DCGANGenerator: dense projection, stride-2 transposed convs (n -> 2n), BN + ReLU."""
    n = len(cfg.channels)
    start = math.ceil(image_hw / 2 ** n)
    if start * 2 ** n != image_hw:
        raise ValueError("the DCGAN peer needs an image size divisible by 2^len(channels)")
    layers = [nn.Linear(latent_dim, start * start * cfg.channels[0]), nn.Unflatten(1, (cfg.channels[0], start, start)),
              nn.BatchNorm2d(cfg.channels[0], momentum=1 - cfg.bn_momentum), nn.ReLU()]
    widths = (*cfg.channels, 1)
    for i in range(n):
        layers.append(nn.ConvTranspose2d(widths[i], widths[i + 1], cfg.kernel_size, stride=2,
                                         padding=(cfg.kernel_size - 2) // 2))
        if i < n - 1:
            layers += [nn.BatchNorm2d(widths[i + 1], momentum=1 - cfg.bn_momentum), nn.ReLU()]
    return nn.Sequential(*layers, nn.Tanh())


class Peer:
    """One variant's networks, optimisers and train step in PyTorch (NCHW images in [-1, 1])."""

    def __init__(self, config, images: np.ndarray, compile_: bool, device: str = "cpu"):
        _check_supported(config)
        n, h, w, c = images.shape
        self.config, self.batch, self.device = config, config.batch_size, torch.device(device)
        self.latent_dim = config.latent.dim
        self.images = torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2))).to(self.device)  # uint8 NCHW
        self.order, self.position = torch.randperm(n, device=self.device), 0
        gen, disc = config.generator, config.discriminator
        self.generator = (mlp_generator(gen, h * w * c, self.latent_dim) if gen.name == "mlp"
                          else dcgan_generator(gen, h, self.latent_dim))
        self.discriminator = (mlp_discriminator(disc, h * w * c) if disc.name == "mlp"
                              else conv_discriminator(disc, h, dcgan=disc.name == "dcgan"))
        self.generator.to(self.device)
        self.discriminator.to(self.device)
        self.image_shape = (c, h, w)
        opt = lambda group, params: torch.optim.Adam(params, lr=group.learning_rate, betas=(group.b1, group.b2),
                                                     fused=True)
        self.g_opt = opt(config.optim.generator, self.generator.parameters())
        self.d_opt = opt(config.optim.discriminator, self.discriminator.parameters())
        self.gp = config.d_regularizers.get("gradient_penalty")
        self.wasserstein = config.loss.name == "wasserstein"
        self.G, self.D = self.generator, self.discriminator
        self.g_opt_step, self.d_opt_step = self.g_opt.step, self.d_opt.step
        if compile_:
            self.G, self.D = torch.compile(self.generator), torch.compile(self.discriminator)
            self.g_opt_step, self.d_opt_step = torch.compile(self.g_opt.step), torch.compile(self.d_opt.step)

    def real_batch(self) -> "torch.Tensor":
        if self.position + self.batch > len(self.order):  # a fresh permutation each epoch, as jaxgan's
            self.order, self.position = torch.randperm(len(self.order), device=self.device), 0
        idx = self.order[self.position:self.position + self.batch]
        self.position += self.batch
        return self.images[idx].float() * (2.0 / 255.0) - 1.0

    def fake_batch(self) -> "torch.Tensor":
        z = torch.randn(self.batch, self.latent_dim, device=self.device)
        return self.G(z).view(self.batch, *self.image_shape)

    def d_loss(self, real_logits, fake_logits):
        if self.wasserstein:
            return fake_logits.mean() - real_logits.mean()
        bce = nn.functional.binary_cross_entropy_with_logits
        return bce(real_logits, torch.ones_like(real_logits)) + bce(fake_logits, torch.zeros_like(fake_logits))

    def g_loss(self, fake_logits):
        if self.wasserstein:
            return -fake_logits.mean()
        return nn.functional.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))

    def gradient_penalty(self, real, fake):
        eps = torch.rand(real.shape[0], 1, 1, 1, device=self.device)
        x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
        # The eager module (same weights): torch.compile cannot differentiate its graphs twice.
        (grads,) = torch.autograd.grad(self.discriminator(x_hat).sum(), x_hat, create_graph=True)
        norms = torch.sqrt(grads.flatten(1).square().sum(1) + 1e-12)
        return self.gp["weight"] * (norms - self.gp["target"]).square().mean()

    def d_update(self):
        real = self.real_batch()
        with torch.no_grad():
            fake = self.fake_batch()
        loss = self.d_loss(self.D(real), self.D(fake))
        if self.gp:
            loss = loss + self.gradient_penalty(real, fake)
        self.d_opt.zero_grad(set_to_none=True)
        loss.backward()
        self.d_opt_step()

    def g_update(self):
        self.discriminator.requires_grad_(False)
        loss = self.g_loss(self.D(self.fake_batch()))
        self.g_opt.zero_grad(set_to_none=True)
        loss.backward()
        self.g_opt_step()
        self.discriminator.requires_grad_(True)

    def train_step(self, step: int):
        for _ in range(self.config.n_d):
            self.d_update()
        if step % self.config.g_every == 0:
            for _ in range(self.config.n_g):
                self.g_update()


def synchronize(device: str) -> None:
    """Waits for the GPU's queued work (a no-op on CPU): a timer must not stop before the work does."""
    if device == "cuda":
        torch.cuda.synchronize()


def matmul_peak_flops(sizes: tuple[int, ...] = (256, 512, 1024), flops_per_call: float = 2e9,
                      tries: int = 3, device: str = "cpu") -> float:
    """The best float32 matmul FLOP/s of this device in PyTorch, measured as `steps_per_sec.matmul_peak_flops`."""
    if device == "cuda":  # as steps_per_sec.ACCELERATOR_PEAK: only large products reach a GPU's peak
        sizes, flops_per_call = (2048, 4096, 8192), 2e12
    best = 0.0
    for n in sizes:
        a = torch.randn(n, n, device=device) / n ** 0.5
        per_call = max(1, round(flops_per_call / (2 * n ** 3)))
        x = a @ a
        synchronize(device)
        for _ in range(tries):
            start = time.perf_counter()
            for _ in range(per_call):
                x = x @ a
            synchronize(device)
            best = max(best, 2 * n ** 3 * per_call / (time.perf_counter() - start))
    return best


def resolve_device(device: str) -> str:
    """"auto": cuda when PyTorch sees a GPU, else cpu."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device=cuda, but PyTorch sees no GPU")
    return device


def step_flops(peer: Peer) -> float:
    """Matmul/conv FLOPs of one eager train step, by torch's own per-op formulas, on a copy of the peer.

    Why not `FlopCounterMode` itself: its module tracker breaks `autograd.grad` (the gradient penalty);
    this dispatch mode applies the same formulas (`flop_registry`) without tracking modules.
    """
    from torch.utils._python_dispatch import TorchDispatchMode
    from torch.utils.flop_counter import flop_registry

    class Counter(TorchDispatchMode):
        total = 0

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            if func._overloadpacket in flop_registry:
                self.total += flop_registry[func._overloadpacket](*args, **(kwargs or {}), out_val=out)
            return out

    probe = copy.deepcopy(peer)
    probe.G, probe.D = probe.generator, probe.discriminator
    probe.g_opt_step, probe.d_opt_step = probe.g_opt.step, probe.d_opt.step
    with Counter() as counter:
        probe.train_step(0)
    return float(counter.total)


def benchmark(variant: str, batch_size: int, mode: str = "eager", steps: int = 50, repeats: int = 5,
              data: str = "auto", threads: int = 0, device: str = "auto", min_seconds: float = 0.0) -> dict:
    """The JSON record (see `benchmarks.common.KEYS`) of the PyTorch peer of `variant`.

    `threads` > 0 sets PyTorch's intra-op threads (0: its default, one per core); the backend is then
    "torch-MODE-Nthread". On a loaded machine one thread can be much faster than several. Timed chunks:
    at least `repeats`, and more until `min_seconds` have been timed (at most 200).
    """
    from benchmarks.steps_per_sec import MAX_TIMED_CHUNKS, build_config

    device = resolve_device(device)
    if threads:
        torch.set_num_threads(threads)
    if device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True  # JAX's default float32 precision on GPU (see the docstring)
        torch.backends.cudnn.allow_tf32 = True
    torch.manual_seed(0)
    config = build_config(variant, batch_size, [])
    images, _, data_name = common.load_images(data)
    peer = Peer(config, images, compile_=mode == "compile", device=device)
    flops_per_step = step_flops(peer)
    start = time.perf_counter()
    peer.train_step(0)  # compiles every graph (both players' forward/backward, both optimiser steps)
    synchronize(device)
    compile_seconds = time.perf_counter() - start if mode == "compile" else 0.0
    step = 1
    seconds = []
    # The first chunk is untimed, as on the JAX side.
    while len(seconds) < repeats + 1 or (sum(seconds[1:]) < min_seconds and len(seconds) <= MAX_TIMED_CHUNKS):
        start = time.perf_counter()
        for _ in range(steps):
            peer.train_step(step)
            step += 1
        synchronize(device)
        seconds.append(time.perf_counter() - start)
    name = f"gpu: {torch.cuda.get_device_name()}" if device == "cuda" else f"cpu: {common.cpu_model()}"
    return common.record(
        variant=variant, batch_size=batch_size, population=1, backend=f"torch-{mode}" + (f"-{threads}thread" if threads else ""),
        chunk_seconds=seconds[1:], steps=steps, compile_seconds=compile_seconds,
        device=name, flops_per_step=flops_per_step, peak_flops=matmul_peak_flops(device=device),
        peak_memory_bytes=torch.cuda.max_memory_allocated() if device == "cuda" else None, data=data_name)


def main(argv: list[str] | None = None) -> None:
    from jaxgan import configs
    from jaxgan.cli import common as cli

    parser = common.Parser(prog="python -m benchmarks.torch_reference", description=__doc__.splitlines()[0])
    parser.add_argument("--variant", required=True)
    parser.add_argument("--batch_size", type=int, required=True)
    parser.add_argument("--mode", default="eager", choices=("eager", "compile"))
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--data", default="auto", choices=("auto", "synthetic"))
    parser.add_argument("--threads", type=int, default=0, help="PyTorch intra-op threads (0: its default)")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"),
                        help="auto: cuda when PyTorch sees a GPU, else cpu")
    parser.add_argument("--min_seconds", type=float, default=0.0,
                        help="keep timing chunks (beyond --repeats) until this many seconds are timed")
    args = parser.parse_args(argv)
    if torch is None:
        cli.fail('PyTorch is not installed (pip install -e ".[torch]")')
    if args.variant not in configs.variants():
        cli.fail(f"unknown variant {args.variant!r}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads", file=sys.stderr)
    try:
        result = benchmark(args.variant, args.batch_size, args.mode, args.steps, args.repeats, args.data,
                           args.threads, args.device, args.min_seconds)
    except ValueError as e:
        cli.fail(str(e))
    common.emit(result)


if __name__ == "__main__":
    main()
