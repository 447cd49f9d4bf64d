from builder import interrupts

# Before the command's slow imports: a Ctrl-C while they run ends it with one line, not a traceback.
interrupts.install_at_startup()
