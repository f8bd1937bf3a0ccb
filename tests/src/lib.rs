//! Integration tests of vmlayout live in this crate; see the [[test]] targets.
