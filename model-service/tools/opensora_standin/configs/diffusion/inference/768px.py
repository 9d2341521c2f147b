# Stand-in config: the real one lives in Open-Sora (configs/diffusion/inference/768px.py).
# The stand-in inference.py only checks that this file exists.
resolution = "768px"
