"""gan-course: GANs that deconstruct and reconstruct images, as a notebook course and a package.

The GAN library, one concept per module (lower layers first; nothing here imports ``lessons``):

- ``runtime``         profile (fast / full), ``seed_everything``, ``get_device``, ``frozen``,
  ``seeded``
- ``distributed``     torchrun: process group, ranks, barriers
- ``checkpoint``      atomic, ``weights_only`` checkpoints
- ``checks``          input checks: images, features, options; one clear error each
- ``data``            embedded offline datasets and torchvision ones, batches in [-1, 1]
- ``color``           gray and Lab views for colorization
- ``convolution``     convolution and transposed convolution by hand, output sizes, the adjoint
- ``losses``          adversarial BCE losses on logits
- ``dcgan``           DCGAN generator and discriminator, ``DCGANConfig``, ``DCGANObjective``
  (note 001)
- ``unet``            U-Net generator with switchable skips
- ``patchgan``        PatchGAN and global discriminators, receptive fields
- ``pix2pix``         ``Pix2PixConfig``, ``Pix2PixObjective``, ``colorize`` (note 003)
- ``encoder_decoder`` image → feature tensor → image GAN, R1, feature matching (note 000)
- ``engine``          the one GAN trainer: the D/G step, history, callbacks, checkpoints, resume
- ``metrics``         PSNR, SSIM, colourfulness, sharpness, edge fidelity, held-out realism
- ``evaluation``      offline feature network; FID, KID, precision/recall, density/coverage, modes
- ``compression``     bicubic and JPEG round trips, 8-bit quantisation
- ``inversion``       image → z for a pretrained G: optimisation, a learned encoder, hybrid
- ``inpainting``      Yeh et al. semantic inpainting, Poisson blending, hole metrics (note 002)
- ``classical_inpainting``  mean fill, biharmonic, Telea, Navier–Stokes; the comparison with Yeh's
- ``plots``           figures, and ``SampleGrids``, the callback that draws during training
- ``shipped``         the small trained weights in data/ (``gan-course ship`` rebuilds them)
- ``cli``, ``benchmark``, ``book``  the ``gan-course`` command, its benchmarks, the site builder
- ``lessons``         what serves one notebook (its own map is in ``lessons/__init__.py``)

Importing the package imports none of these; notebooks import what they use.
"""

__version__ = "0.1.0"
