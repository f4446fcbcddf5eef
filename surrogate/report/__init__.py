"""Report: loading result folders, figures and the markdown report."""
