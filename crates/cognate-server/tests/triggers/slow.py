"""Test fixture: a handler slower than any trigger timeout."""
import time


def handler(event, context):
    time.sleep(30)
    return event
