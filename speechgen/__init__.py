"""speechgen: drafts leaders' speeches for meetings about cadres on temporary assignment."""

__version__ = "0.1.0"
