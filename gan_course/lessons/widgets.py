"""ipywidgets explorers for the notebooks.

Each explorer wraps a *pure* plotting function of the package (one that returns a
``matplotlib.figure.Figure``), so the same figure is drawn statically for the book and the tests,
and live with sliders in a running notebook. Settings the plotting function rejects with a
``ValueError`` are shown as a one-line message, never as a traceback.

Later notebooks build their own explorers from the two generic pieces::

    controls = sliders({"depth": (1, 6, 4), "width": (8, 64, 32)})
    explorer(plot_unet_shapes, controls)

``ipywidgets`` is imported inside the functions: only a notebook that shows a widget loads it.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from ..inpainting import MASKS
from .colorization import plot_colorization
from .convolution_views import plot_conv_geometry
from .gan_views import latent_directions, plot_latent_walk
from .inpainting_study import plot_one_inpainting

Range = tuple[int, int, int]  # (min, max, value), step 1


def sliders(ranges: Mapping[str, Range | tuple[int, int, int, int]]) -> dict[str, Any]:
    """``{"kernel": (min, max, value), ...}`` (or ``(min, max, step, value)``)
    → ``{"kernel": IntSlider, ...}``.

    Sliders only report when released (``continuous_update=False``), so a figure is drawn once per
    move.
    """
    import ipywidgets as w

    out = {}
    for name, r in ranges.items():
        lo, hi, step, value = (r[0], r[1], 1, r[2]) if len(r) == 3 else r
        if not lo <= value <= hi:
            raise ValueError(f"slider {name!r}: value {value} outside [{lo}, {hi}]")
        out[name] = w.IntSlider(value=value, min=lo, max=hi, step=step, description=name,
                                continuous_update=False, style={"description_width": "initial"})
    return out


def explorer(plot: Callable[..., Any], controls: Mapping[str, Any], **fixed: Any):
    """An ``ipywidgets.interactive`` that calls ``plot(**fixed, **values)`` and displays the figure.

    ``controls`` maps ``plot``'s keyword names to widgets (see ``sliders``); ``fixed`` are passed
    unchanged. A ``ValueError`` from ``plot`` (an impossible setting) prints ``not possible: …``.
    The function behind the widget is ``.f`` (handy in tests: ``explorer(...).f(kernel=3, ...)``).
    """
    import ipywidgets as w
    from IPython.display import display

    def show(**values: Any) -> None:
        try:
            fig = plot(**fixed, **values)
        except ValueError as e:
            print(f"not possible: {e}")
            return
        display(fig)

    return w.interactive(show, **controls)


def conv_explorer(
    in_size: Range = (2, 8, 5),
    kernel: Range = (1, 5, 3),
    stride: Range = (1, 3, 2),
    padding: Range = (0, 3, 1),
    output_padding: Range = (0, 2, 0),
):
    """Sliders for the geometry of ``Conv2d`` / ``ConvTranspose2d`` and a toggle between the two,
    drawing ``convolution_views.plot_conv_geometry``. Each argument is a (min, max, start) range."""
    import ipywidgets as w

    controls = sliders(
        {
            "in_size": in_size,
            "kernel": kernel,
            "stride": stride,
            "padding": padding,
            "output_padding": output_padding,
        }
    )
    controls["transposed"] = w.ToggleButtons(
        options=[("Conv2d", False), ("ConvTranspose2d", True)], value=False, description="layer"
    )
    return explorer(plot_conv_geometry, controls)


def gallery_slider(figures: Mapping[str, Any], description: str = "setting"):
    """A slider over precomputed figures (label → Figure): live in a kernel, and cheap, because
    nothing is recomputed; pair it with a static figure of the whole gallery for the book."""
    import ipywidgets as w

    labels = list(figures)
    control = w.SelectionSlider(
        options=labels,
        value=labels[-1],
        description=description,
        continuous_update=False,
        style={"description_width": "initial"},
    )
    return explorer(lambda choice: figures[choice], {"choice": control})


def colorizer_explorer(models: Mapping[str, Any], x: Any, space: str = "lab"):
    """Pick a colorizer (name → G, e.g. the shipped ones for each λ) and a test image: colorizes
    that image live with that model, beside its truth and the gray input the model saw.
    x: (N, 3, H, W) in [-1, 1]."""
    import ipywidgets as w

    names = list(models)
    controls = {
        "name": w.SelectionSlider(options=names, value=names[-1], description="G's loss",
                                  continuous_update=False, style={"description_width": "initial"}),
        **sliders({"index": (0, len(x) - 1, 0)}),
    }
    return explorer(
        lambda name, index: plot_colorization(models[name], x[index : index + 1], space, name),
        controls,
    )


def inpainting_explorer(
    G, D, x, z_dim: int, config=None, lambdas: tuple[float, ...] = (0.0, 0.003, 0.1, 1.0, 10.0)
):
    """Pick a held-out image (its index in x: (N, C, H, W) in [-1, 1]), a mask kind, λ and the
    number of restarts: ``inpainting_study.plot_one_inpainting`` inpaints that image live under the
    mask the shipped table gave it, every other setting from ``config`` (an ``InpaintConfig``;
    default the fast profile's)."""
    import ipywidgets as w

    controls = {
        **sliders({"index": (0, len(x) - 1, 0)}),
        "mask": w.Dropdown(options=MASKS, value="center", description="mask"),
        "lambda_perceptual": w.SelectionSlider(
            options=list(lambdas), value=0.003, description="λ", continuous_update=False
        ),
        **sliders({"restarts": (1, 8, 1)}),
    }
    controls["index"].description = "image"
    return explorer(plot_one_inpainting, controls, G=G, D=D, x=x, z_dim=z_dim, config=config)


def latent_explorer(G: Any, z_dim: int, n_samples: int = 16, n_directions: int = 8, seed: int = 0):
    """Walk G's latent space live: pick a sample (a fixed z), one of ``n_directions`` random
    orthonormal directions and how far to go; draws ``gan_views.plot_latent_walk``."""
    import torch

    z = torch.randn(n_samples, z_dim, generator=torch.Generator().manual_seed(seed))
    directions = latent_directions(z_dim, n_directions, seed)
    controls = sliders({"sample": (0, n_samples - 1, 0), "direction": (0, n_directions - 1, 0),
                        "reach": (1, 6, 3)})
    return explorer(
        lambda sample, direction, reach: plot_latent_walk(G, z[sample], directions[direction],
                                                          float(reach)),
        controls,
    )
