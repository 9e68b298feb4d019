"""remission.interop"""
