"""The plugin side: the pluggy manager, installed entry points, the config file and the
delivery of outbox notices to the plugins that implement their hook.
"""
