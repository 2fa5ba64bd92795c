"""PDF documents of the 4-Phasen-Modell (fpdf2): plain data from `documents.data` in, PDF bytes out."""

from documents.auskunft import render_auskunft
from documents.egv import render_egv
from documents.einverstaendnis import render_einverstaendnis
from documents.profiling import render_profiling_print

__all__ = ["render_auskunft", "render_egv", "render_einverstaendnis", "render_profiling_print"]
