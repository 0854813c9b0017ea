//! A tiny crate whose audit writes swallow their errors (compiled by `tests/fix.rs`).
pub mod audit;
pub mod logged;
pub mod plain;
pub mod store;

/// A stand-in for the `tracing` crate's macros, as strict as them about `%error` (Display).
pub mod tracing {
    macro_rules! info_ {
        ($($t:tt)*) => {};
    }
    macro_rules! warn_ {
        (error = %$e:expr, $message:literal) => {
            ::std::eprintln!("{} {}", $message, $e)
        };
    }
    pub(crate) use info_ as info;
    pub(crate) use warn_ as warn;
}

/// A stand-in for the `log` crate's macros: format arguments, as `log` takes them.
pub mod log {
    macro_rules! info_ {
        ($($t:tt)*) => {
            ::std::eprintln!($($t)*)
        };
    }
    macro_rules! warn_ {
        ($($t:tt)*) => {
            ::std::eprintln!($($t)*)
        };
    }
    pub(crate) use info_ as info;
    pub(crate) use warn_ as warn;
}
