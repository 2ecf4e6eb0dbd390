"""What serves one lesson: its experiments, figures, widgets, exercises and verdicts.

The GAN library is the package above (networks, objectives, the trainer, data, metrics, methods);
nothing there imports from here. A student reading "how a GAN works" reads ``gan_course``; a file
here answers "how does notebook NN measure and show it".

- ``convolution_views``  notebook 01: checkerboards, photographs, figures
- ``patchgan_views``     notebook 03: receptive fields, score maps, figures
- ``colorization``       notebooks 02–04: shipped colorizers' tables, loss terms and gradients
- ``gan_views``          notebook 05: G's two losses, layer tables, failure modes, latent walks
- ``sweep``              notebook 05: the batch × latent sweep, trained live in the full profile
- ``reconstruction``     notebook 06: the GAN codec against bicubic, JPEG and PCA, inversions
- ``inpainting_study``   notebook 07: tables from the shipped comparison, the search over z and
  importance-weight figures, the live one-image inpainting
- ``experiments``        every variant × every seed on the same data, summarised over seeds
- ``widgets``            ipywidgets that recompute, and galleries of precomputed figures
- ``exercises``          the check of a function a student writes: right, or wrong with a hint
- ``code_exercises``     notebooks 01–07: functions the student writes, checked by the package
- ``solutions``          the reference solutions of those, kept out of the notebooks
- ``report``             verdicts written by code from a measured table
"""
