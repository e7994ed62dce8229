"""Plots read back from metrics.jsonl: readable tick labels, the log axis only where it helps, loss curves."""

import io
import json

import numpy as np

from jaxgan.viz import plots


def visible_tick_labels(axis) -> list[str]:
    """The non-empty major and minor tick labels inside the axis' view, as drawn."""
    low, high = sorted(axis.get_view_interval())
    labels = []
    for locs, formatter in ((axis.get_majorticklocs(), axis.get_major_formatter()),
                            (axis.get_minorticklocs(), axis.get_minor_formatter())):
        inside = [x for x in locs if low <= x <= high]
        labels += [t for t in formatter.format_ticks(inside) if t.strip()]
    return labels


def test_a_barely_moving_value_gets_distinct_readable_tick_labels():
    steps = list(range(100, 2100, 100))
    values = list(24.5 + 1e-4 * np.sin(np.arange(20)))  # positive, moves by 1e-5 of its size
    fig = plots.monitor_figure(steps, values, "monitor/generator_weight_norm")
    fig.savefig(io.BytesIO(), format="png")  # draws: the limits and ticks are final
    ax = fig.axes[0]
    labels = visible_tick_labels(ax.yaxis)
    assert ax.get_yscale() == "linear" and len(labels) >= 3 and len(set(labels)) == len(labels), labels
    assert ax.yaxis.get_offset_text().get_text() == ""  # absolute values, no "+2.45e1" offset to add up
    assert all(float(t.replace("\N{MINUS SIGN}", "-")) > 24 for t in labels), labels


def test_a_series_growing_over_decades_keeps_its_log_axis():
    fig = plots.monitor_figure([1, 2, 3, 4], [1.0, 10.0, 1e3, 1e6], "monitor/d_lipschitz_bound")
    fig.savefig(io.BytesIO(), format="png")
    labels = visible_tick_labels(fig.axes[0].yaxis)
    assert fig.axes[0].get_yscale() == "log" and len(set(labels)) == len(labels), labels


def test_training_curves_plot_losses_and_scores(tmp_path):
    path = tmp_path / "metrics.jsonl"
    rows = [{"step": s, "d/loss": 1.3 - s / 1e4, "g/loss": 0.7 + s / 1e4, "d/real_logit": s / 1e3,
             "d/fake_logit": -s / 1e3} for s in range(100, 1100, 100)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "plots" / "losses.png"
    assert plots.plot_training_curves(str(path), str(out)) == str(out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    path.write_text(json.dumps({"step": 1, "monitor/x": 1.0}) + "\n")
    assert plots.plot_training_curves(str(path), str(tmp_path / "none.png")) is None
