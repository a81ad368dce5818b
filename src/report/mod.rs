//! Output formats behind one trait.
