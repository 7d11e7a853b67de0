//! The bundled demo store (to be written).
