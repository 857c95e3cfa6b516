"""What is particular to the Six Gates procedure, apart from the generic engine: its stages, the project page,
the register of projects and the pipeline dashboard."""
