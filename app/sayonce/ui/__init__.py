"""The Qt desktop: a thin layer over the core that renders and reacts."""
