"""Joint rectification (联合整治, DB 31114/Z 009-2025 4.2, forms B.1 and C.1; DB 31114/Z 010-2025 4.2.1.1)."""
