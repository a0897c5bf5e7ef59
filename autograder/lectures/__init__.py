"""The lecture site: build the lectures in ``lectures/`` into static HTML, check it, serve it.

``build`` runs Sphinx (MyST-NB executes each lecture's code cells to draw its figures) and
proves with ``autograder.leaks`` that no reference code reached the site; ``serve`` previews it.
"""

from .build import LectureBuildError, Site, build_site
from .serve import make_server

__all__ = ["LectureBuildError", "Site", "build_site", "make_server"]
