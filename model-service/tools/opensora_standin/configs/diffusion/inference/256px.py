# Stand-in config: the real one lives in Open-Sora (configs/diffusion/inference/256px.py).
# The stand-in inference.py only checks that this file exists.
resolution = "256px"
