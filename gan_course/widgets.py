"""ipywidgets explorers for the notebooks. Each wraps a *pure* plotting function from the package,
so the same figure can be drawn statically (for the book and for tests) and live with sliders.
"""
from __future__ import annotations

from typing import Any, Callable


def sliders(ranges: dict[str, tuple[int, int, int]]) -> dict[str, Any]:
    """``{"kernel": (min, max, value), ...}`` → ``{"kernel": IntSlider, ...}``."""
    import ipywidgets as w

    return {name: w.IntSlider(value=v, min=lo, max=hi, description=name, continuous_update=False)
            for name, (lo, hi, v) in ranges.items()}


def explorer(plot: Callable[..., Any], controls: dict[str, Any]):
    """An ``ipywidgets.interactive`` calling ``plot(**values)`` and displaying its figure; a
    ``ValueError`` from ``plot`` (an impossible setting) is shown as a message, not a traceback."""
    import ipywidgets as w
    from IPython.display import display

    def show(**values: Any) -> None:
        try:
            display(plot(**values))
        except ValueError as e:
            print(f"not possible: {e}")

    return w.interactive(show, **controls)


def conv_explorer():
    """Sliders for input size, kernel, stride, padding, output_padding and a conv / transposed toggle."""
    import ipywidgets as w

    from .convolution import plot_conv_geometry

    controls = sliders({"in_size": (2, 8, 5), "kernel": (1, 5, 3), "stride": (1, 3, 1), "padding": (0, 3, 0),
                        "output_padding": (0, 2, 0)})
    controls["transposed"] = w.Checkbox(value=False, description="transposed")
    return explorer(plot_conv_geometry, controls)
