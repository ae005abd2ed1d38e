//! Test helpers: the workspace's testkit (real nodes in-process on loopback).
#![allow(unused_imports)]

pub(crate) use weft_testkit::*;
