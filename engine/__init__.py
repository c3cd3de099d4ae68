"""tactful: the follow-up etiquette after a job interview, as rules you can edit."""

__version__ = "0.1.0"
