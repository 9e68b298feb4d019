"""remission.api"""
