"""remission.reports"""
