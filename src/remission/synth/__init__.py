"""remission.synth"""
