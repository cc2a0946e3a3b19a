"""Operations: metrics, health and readiness of a running linli process."""
