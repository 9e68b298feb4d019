"""remission.analysis"""
