//! Length-prefixed postcard frames for the request-response protocols. A frame longer than the
//! protocol's limit is refused from its length prefix, before anything is allocated.

use std::{io, marker::PhantomData};

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::{request_response, StreamProtocol};
use serde::{de::DeserializeOwned, Serialize};
use weft_types::wire::{self, *};

/// One request-response protocol: its name, message types and limits.
pub trait Spec: Send + Sync + Clone + Default + 'static {
    /// Request type.
    type Request: Serialize + DeserializeOwned + Send;
    /// Response type.
    type Response: Serialize + DeserializeOwned + Send;
    /// Protocol name.
    const PROTOCOL: &'static str;
    /// Largest request frame.
    const REQUEST_LIMIT: usize;
    /// Largest response frame.
    const RESPONSE_LIMIT: usize;
}

/// Header ranges.
#[derive(Debug, Clone, Copy, Default)]
pub struct Headers;
impl Spec for Headers {
    type Request = HeadersRequest;
    type Response = HeadersResponse;
    const PROTOCOL: &'static str = HEADERS_PROTOCOL;
    const REQUEST_LIMIT: usize = HEADERS_REQUEST_SIZE_LIMIT;
    const RESPONSE_LIMIT: usize = HEADERS_RESPONSE_SIZE_LIMIT;
}

/// Batches of cells.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cells;
impl Spec for Cells {
    type Request = CellsRequest;
    type Response = CellsResponse;
    const PROTOCOL: &'static str = CELLS_PROTOCOL;
    const REQUEST_LIMIT: usize = CELLS_REQUEST_SIZE_LIMIT;
    const RESPONSE_LIMIT: usize = CELLS_RESPONSE_SIZE_LIMIT;
}

/// Whole rows.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rows;
impl Spec for Rows {
    type Request = RowRequest;
    type Response = RowResponse;
    const PROTOCOL: &'static str = ROW_PROTOCOL;
    const REQUEST_LIMIT: usize = ROW_REQUEST_SIZE_LIMIT;
    const RESPONSE_LIMIT: usize = ROW_RESPONSE_SIZE_LIMIT;
}

/// A full node's availability window and rate limits.
#[derive(Debug, Clone, Copy, Default)]
pub struct Status;

impl Spec for Status {
    type Request = StatusRequest;
    type Response = StatusResponse;
    const PROTOCOL: &'static str = STATUS_PROTOCOL;
    const REQUEST_LIMIT: usize = STATUS_REQUEST_SIZE_LIMIT;
    const RESPONSE_LIMIT: usize = STATUS_RESPONSE_SIZE_LIMIT;
}

/// The codec of protocol `S`.
#[derive(Debug, Clone, Default)]
pub struct LimitedCodec<S>(PhantomData<S>);

/// Reads one frame: a 4-byte big-endian length and that many bytes, at most `limit`.
pub async fn read_frame<T: AsyncRead + Unpin + Send>(
    io: &mut T,
    limit: usize,
) -> io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    io.read_exact(&mut len).await?;
    let len = u32::from_be_bytes(len) as usize;
    if len > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame of {len} bytes exceeds the limit of {limit}"),
        ));
    }
    let mut buf = vec![0u8; len];
    io.read_exact(&mut buf).await?;
    Ok(buf)
}

/// Writes one frame (refusing to send more than `limit`).
pub async fn write_frame<T: AsyncWrite + Unpin + Send>(
    io: &mut T,
    bytes: &[u8],
    limit: usize,
) -> io::Result<()> {
    if bytes.len() > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "frame of {} bytes exceeds the limit of {limit}",
                bytes.len()
            ),
        ));
    }
    io.write_all(&(bytes.len() as u32).to_be_bytes()).await?;
    io.write_all(bytes).await?;
    io.close().await
}

fn decode<T: DeserializeOwned>(bytes: &[u8], limit: usize, what: &'static str) -> io::Result<T> {
    wire::decode(bytes, limit, what)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))
}

impl<S: Spec> request_response::Codec for LimitedCodec<S> {
    type Protocol = StreamProtocol;
    type Request = S::Request;
    type Response = S::Response;

    async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<S::Request>
    where
        T: AsyncRead + Unpin + Send,
    {
        decode(
            &read_frame(io, S::REQUEST_LIMIT).await?,
            S::REQUEST_LIMIT,
            S::PROTOCOL,
        )
    }

    async fn read_response<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<S::Response>
    where
        T: AsyncRead + Unpin + Send,
    {
        decode(
            &read_frame(io, S::RESPONSE_LIMIT).await?,
            S::RESPONSE_LIMIT,
            S::PROTOCOL,
        )
    }

    async fn write_request<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        req: S::Request,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_frame(io, &wire::encode(&req), S::REQUEST_LIMIT).await
    }

    async fn write_response<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        res: S::Response,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_frame(io, &wire::encode(&res), S::RESPONSE_LIMIT).await
    }
}

#[cfg(test)]
mod tests {
    use futures::{executor::block_on, io::Cursor};

    use super::*;

    fn framed(len: usize) -> Vec<u8> {
        let mut out = (len as u32).to_be_bytes().to_vec();
        out.extend(vec![0u8; len]);
        out
    }

    #[test]
    fn frames_at_the_limit_pass_and_one_byte_more_is_refused() {
        for limit in [
            CELLS_REQUEST_SIZE_LIMIT,
            CELLS_RESPONSE_SIZE_LIMIT,
            ROW_REQUEST_SIZE_LIMIT,
            ROW_RESPONSE_SIZE_LIMIT,
            HEADERS_REQUEST_SIZE_LIMIT,
            HEADERS_RESPONSE_SIZE_LIMIT,
        ] {
            let ok = block_on(read_frame(&mut Cursor::new(framed(limit)), limit)).unwrap();
            assert_eq!(ok.len(), limit);
            let err = block_on(read_frame(&mut Cursor::new(framed(limit + 1)), limit)).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData);
            assert!(err.to_string().contains("exceeds the limit"));
        }
    }

    #[test]
    fn a_huge_length_prefix_does_not_allocate() {
        let err = block_on(read_frame(
            &mut Cursor::new(u32::MAX.to_be_bytes().to_vec()),
            1024,
        ))
        .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn writer_refuses_oversized_frames() {
        let mut out = Cursor::new(Vec::new());
        assert!(block_on(write_frame(&mut out, &[0u8; 11], 10)).is_err());
        block_on(write_frame(&mut out, &[1u8; 10], 10)).unwrap();
        assert_eq!(out.into_inner(), framed_with(10, 1));
    }

    fn framed_with(len: usize, byte: u8) -> Vec<u8> {
        let mut out = (len as u32).to_be_bytes().to_vec();
        out.extend(vec![byte; len]);
        out
    }
}
