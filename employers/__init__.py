"""employers"""
