//! `par_map`: rayon when the `parallel` feature is on (native), a plain loop otherwise (wasm32).

/// Maps `f` over `items`, in parallel when the `parallel` feature is enabled; keeps order.
#[cfg(feature = "parallel")]
pub(crate) fn par_map<T: Send, U: Send>(items: Vec<T>, f: impl Fn(T) -> U + Send + Sync) -> Vec<U> {
    use rayon::prelude::*;
    items.into_par_iter().map(f).collect()
}

/// Maps `f` over `items`, in parallel when the `parallel` feature is enabled; keeps order.
#[cfg(not(feature = "parallel"))]
pub(crate) fn par_map<T: Send, U: Send>(items: Vec<T>, f: impl Fn(T) -> U + Send + Sync) -> Vec<U> {
    items.into_iter().map(f).collect()
}
