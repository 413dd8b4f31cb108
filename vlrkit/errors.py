"""The one exception type whose message is written for users, not developers.

The command-line tools print a ``UserError`` as one line and exit with status 2; any other
exception is a bug in vlrkit or in a user's component and keeps its traceback. So raise a
subclass of ``UserError`` exactly where the message tells a user what to change (a config value,
a missing file, a broken annotation), and let everything else propagate.
"""


class UserError(Exception):
    """Base of every error a user can fix from the message alone."""


class ConfigError(UserError, ValueError):
    """A config names a key or value that cannot be right; the message says where and what to do.

    A ``ValueError`` too, so code that already catches bad values keeps working.
    """
