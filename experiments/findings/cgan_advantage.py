"""Finding 5 (seed 003): a discriminator advantage of 9 (D steps per G step) helps the ResNet CGAN; projection and
hinge loss should do better than concatenation; D's per-class real/fake accuracy (Table 3).

Arms (3 seeds each, the cpu scale's narrower ResNets): `adv9` (`cgan_resnet`: concatenation, advantage 9),
`adv1` (advantage 1), `adaptive` (`cgan_resnet_adaptive`: seed 003's rule, +1 while D's accuracy < 0.8) and
`proj` (`cgan_proj`: projection discriminator, hinge loss, advantage 9). Every trained member also gets seed
003's Table 3: D's accuracy on real test digits and on generated ones, per class.
"""

from __future__ import annotations

import numpy as np

from experiments.findings import stats
from experiments.findings.finding import Finding
from experiments.findings.protocol import Arm, Scale, Verdict
from jaxgan import configs

CPU_WIDTHS = dict(configs.get_scale("cgan_resnet", "cpu").overrides)
CPU_WIDTHS.pop("steps")
ARMS = (
    Arm("adv9", "cgan_resnet", overrides=CPU_WIDTHS, about="Label concatenated mid-D, 9 D steps per G step."),
    Arm("adv1", "cgan_resnet", overrides={**CPU_WIDTHS, "n_d": 1}, about="As adv9 with 1 D step per G step."),
    Arm("adaptive", "cgan_resnet_adaptive", overrides=CPU_WIDTHS,
        about="seed 003's adaptive advantage (+1 while D's accuracy < 0.8, else back to 1; at most 16)."),
    Arm("proj", "cgan_proj", overrides=CPU_WIDTHS, about="Projection discriminator and hinge loss, advantage 9."),
)
QUICK_NETS = {"generator.channels": (4, 4), "discriminator.channels": (4, 4, 4), "batch_size": 8}
REAL_PER_CLASS = 100  # real test digits per class for D's accuracy
FAKE_PER_CLASS = 100
TABLE3 = {0: (83.6, 80.4), 1: (48.6, 91.8), 2: (70.4, 97.0), 3: (45.6, 96.2), 4: (64.2, 88.2), 5: (69.8, 88.4),
          6: (64.4, 92.2), 7: (72.4, 88.2), 8: (64.2, 92.2), 9: (59.6, 97.8)}  # class: (real %, fake %)


def d_accuracy(ctx, gan, state, config) -> dict:
    """seed 003's Table 3 for one member: D's per-class accuracy on real test digits and on its own fakes."""
    import jax

    from jaxgan.analysis import explore

    images, labels = np.asarray(ctx.reference.images), np.asarray(ctx.reference.labels)
    pick = np.concatenate([np.flatnonzero(labels == c)[:REAL_PER_CLASS] for c in range(10)])
    table = explore.d_accuracy(gan, state, jax.random.PRNGKey(1), images[pick], labels[pick], FAKE_PER_CLASS)
    return {"d_accuracy": table}


def _mean_accuracy(row, kind: str) -> float | None:
    values = [c[f"{kind}_accuracy"] for c in row.get("d_accuracy", []) if c[f"{kind}_accuracy"] is not None]
    return float(np.mean(values)) if values else None


LEARNED = 0.2  # ours: an arm whose every seed stays below this class accuracy (chance 0.10) has not learned labels
ACCURACY_WORDS = {1: "higher", -1: "lower", 0: "no different beyond the spread"}
FID_WORDS = {1: "lower FID than", -1: "higher FID than", 0: "FID within the spread of"}


def analyze(rows) -> Verdict:
    acc, fid = stats.by_setting(rows, stats.final("class_accuracy")), stats.by_setting(rows, stats.final("fid"))
    if any(a not in acc for a in ("adv9", "adv1", "adaptive", "proj")):
        return Verdict("incomplete", "can't tell", "")
    adv, proj = stats.compare(acc["adv9"], acc["adv1"]), stats.compare(acc["proj"], acc["adv9"])
    by_fid = (f"by FID, advantage 9 has {FID_WORDS[stats.compare(fid['adv1'], fid['adv9'])]} advantage 1, and "
              f"projection + hinge has {FID_WORDS[stats.compare(fid['adv9'], fid['proj'])]} concatenation")
    result = (f"class accuracy adv9 {acc['adv9']}, adv1 {acc['adv1']}, adaptive {acc['adaptive']}, proj "
              f"{acc['proj']}; FID adv9 {fid['adv9'].format(1)}, adv1 {fid['adv1'].format(1)}, adaptive "
              f"{fid['adaptive'].format(1)}, proj {fid['proj'].format(1)} ({stats.scale_words(rows)})")
    best = max(s.hi for s in acc.values())
    if best < LEARNED:  # no arm is a working CGAN yet: the claims are about CGANs
        verdict = (f"can't tell at this scale: no arm learned its labels (class accuracy at most {best:.2f}, chance "
                   f"0.10); {by_fid}")
    elif adv == 1 and proj == 1:
        verdict = "agree: advantage 9 beats 1, and projection + hinge beats concatenation, on class accuracy"
    elif adv == -1 or proj == -1:
        verdict = (f"disagree: class accuracy of advantage 9 vs 1 {ACCURACY_WORDS[adv]}, projection + hinge vs "
                   f"concatenation {ACCURACY_WORDS[proj]}")
    else:
        verdict = (f"can't tell at this scale: class accuracy of advantage 9 vs 1 {ACCURACY_WORDS[adv]}, projection "
                   f"+ hinge vs concatenation {ACCURACY_WORDS[proj]}; {by_fid}")
    details = stats.table(rows, [("FID", stats.final("fid")), ("class accuracy", stats.final("class_accuracy")),
                                 ("recall", stats.final("recall")), ("coverage", stats.final("coverage")),
                                 ("D real acc.", lambda r: _mean_accuracy(r, "real")),
                                 ("D fake acc.", lambda r: _mean_accuracy(r, "fake"))])
    lines = ["", "D's per-class accuracy of the trained `adv9` members (mean over seeds) beside seed 003's Table 3:",
             "", "| class | real (ours) | fake (ours) | real (Table 3) | fake (Table 3) |", "|---|---:|---:|---:|---:|"]
    adv9 = [r for r in rows if r["arm"] == "adv9" and r.get("d_accuracy")]
    for c in range(10):
        real = stats.summarize(r["d_accuracy"][c]["real_accuracy"] for r in adv9)
        fake = stats.summarize(r["d_accuracy"][c]["fake_accuracy"] for r in adv9)
        lines.append(f"| {c} | {100 * real.mean:.1f}% | {100 * fake.mean:.1f}% | {TABLE3[c][0]}% | {TABLE3[c][1]}% |")
    details += ("\nA step is one G update: `adv9` and `proj` make 9 D updates per step, `adv1` one, `adaptive` 1 to 16 "
                "(its D accuracy decides), so at equal steps the arms do not cost the same. Seed 003 chose 9 from "
                "its adaptive run (section 1.2.1); its advantage-1 \"CGAN ref\" (Table 1) also differs in epochs, "
                "batch, G learning rate and widths, so this like-for-like comparison is ours.\n")
    details += "\n".join(lines) + ("\n\nSeed 003 does not say which images, how many, or which checkpoint its "
                                   "Table 3 used; ours: 100 real test digits and 100 fakes per class, the final "
                                   "checkpoint, D's realness logit > 0 counted as real.\n")
    return Verdict(result, verdict, details)


FINDING = Finding(
    name="cgan_advantage", report="seed 003, sections 1.2.1, 1.4, 2.2 (Table 3)",
    claim="We decided to take $discriminator_advantages = ... = 8.5 \\sim 9$. ... Instead of concatenating the "
          "input with expected labels, they make a projection at the end of the architecture. This increase the "
          "performance of a CGAN.",
    scale_note="600 steps at batch 32 per member with 16-channel ResNets (seed 003: 30 epochs of 60,000 digits, "
               "56,250 steps, at its full widths: 618,751 D and 285,375 G parameters).",
    analyze=analyze, arms=ARMS, member_analysis=d_accuracy,
    curve_metrics=("fid", "recall", "coverage", "class_accuracy"),
    full=Scale(steps=600, seeds=3),
    quick=Scale(steps=4, seeds=2, curve_points=2, curve_samples=100, num_samples=100,
                overrides={**QUICK_NETS, "steps_per_call": 2, "log_every": 2, "sample_every": 4,
                           "checkpoint_every": 4}),
    gpu_command="python -m experiments.findings --finding=cgan_advantage --steps=56250  # at seed 003's widths: "
                "drop CPU_WIDTHS in experiments/findings/cgan_advantage.py",
)
