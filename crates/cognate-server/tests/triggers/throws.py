"""Test fixture: a handler that fails."""


def handler(event, context):
    raise ValueError("boom")
