"""The vocabulary every layer shares: value records, time arithmetic and logging.

The bottom wing: it imports nothing of tactful's but :mod:`tactful.errors`.
"""
