"""CommandError: the user can fix this (an unknown deployment, a number out of range, a malformed
image). Its message is shown as it is, with the command's usage line; nothing has changed.
Refusal: the request was well formed but the world does not allow it (nothing to roll back to): the
message alone, no usage line (`show_usage` is False); nothing has changed either."""


class CommandError(Exception):
    show_usage = True

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Refusal(CommandError):
    show_usage = False
