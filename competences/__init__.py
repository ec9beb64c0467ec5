"""competences"""
