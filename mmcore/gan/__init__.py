"""Appendix E: GAN training with mixup in the discriminator (:mod:`.loop`) and IS / FID / KID through
torch-fidelity (:mod:`.metrics`). The models live in :mod:`mmcore.models.gan`."""
