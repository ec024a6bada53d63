"""Template filters of the pages: the presentation helpers of ``rmos_site.pages.present`` for values the
templates already hold (a session's design), so that views need not shape every row."""

from django import template

from rmos_site.pages import present

register = template.Library()


@register.filter
def design_summary(design) -> str:
    """``fret slots · 648 mm · 22 frets``."""
    return present.design_summary(design)
