"""What serves one lesson: its experiments, figures, widgets, exercises and verdicts.

The GAN library is the package above (networks, objectives, the trainer, data, metrics, methods);
nothing there imports from here. A student reading "how a GAN works" reads ``gan_course``; a file
here answers "how does notebook NN measure and show it".

- ``convolution_views``  notebook 01: checkerboards, photographs, exercises, figures
- ``patchgan_views``     notebook 03: receptive fields, score maps, exercises, figures
- ``colorization``       notebooks 02–04: baselines, metrics and the fair comparison of colorizers
- ``sweep``              notebook 05: the batch × latent sweep, checkpoints by metric, projections
- ``reconstruction``     notebook 06: the GAN codec against bicubic and JPEG, three inversions
- ``inpainting_study``   notebook 07: classical baselines, the comparison, the settings sweep
- ``experiments``        every variant × every seed on the same data, summarised over seeds
- ``widgets``            ipywidgets that recompute, and galleries of precomputed figures
- ``exercises``          checks that say what is right or wrong, with a hint
- ``report``             verdicts written by code from a measured table
"""
