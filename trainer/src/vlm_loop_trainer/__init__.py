"""vlm-loop Mask R-CNN trainer (run as ``python -m vlm_loop_trainer``)."""

__version__ = "0.1.0"
