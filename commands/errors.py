"""CommandError: the user can fix this (an unknown deployment, a number out of range, a malformed
image). Its message is shown as it is, with the command's usage line; nothing has changed."""


class CommandError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
