"""SayOnce: a customer says a thing once.

The package is split into a Qt-free core (``store``, ``identity``, ``history``, ``intake``,
``nlp``, ``assist``, ``review``, ``privacy``, ``trust``) and a thin Qt layer (``ui``).
"""

__version__ = "0.1.0"
