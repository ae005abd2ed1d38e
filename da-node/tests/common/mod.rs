//! Test helpers: the workspace's testkit (real nodes in-process on loopback).
#![allow(unused_imports)]

pub use weft_testkit::*;
