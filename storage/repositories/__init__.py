"""Repository functions: take the caller's AsyncSession first, never commit."""
