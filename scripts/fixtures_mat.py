#!/usr/bin/env python3
"""Generates the MAT-file test fixtures in test/fixtures/mat/ and expected.json.

The v5 files come from scipy.io.savemat (compressed and not), plus files built element by
element here for what savemat never writes: compact storage (a double array stored as miUINT8,
as MATLAB does), miUTF16 chars, the global flag, and a big-endian file. The v7.3 file is written
with h5py the way MATLAB lays it out: a 512-byte user block holding the MATLAB header, datasets
with MATLAB_class attributes, arrays stored transposed. Every hand-built file is checked by
loading it back with scipy (or h5py) before it is kept.

expected.json lists, per file, each variable as nucleimix should read it: class, dims (MATLAB
order), data in column-major order (int64/uint64 as decimal strings; NaN, +-Infinity and -0 as
strings), storage (the on-disk type when it differs from the class's own), compressed; opaque
variables as their kind of content.

Run from the repository root: python3 scripts/fixtures_mat.py
"""
import json
import math
import os
import struct
import zlib

import h5py
import numpy as np
import scipy.io as sio

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'mat')

# MAT v5 element types and array classes
miINT8, miUINT8, miINT16, miUINT16, miINT32, miUINT32 = 1, 2, 3, 4, 5, 6
miSINGLE, miDOUBLE, miINT64, miUINT64 = 7, 9, 12, 13
miMATRIX, miCOMPRESSED, miUTF8, miUTF16, miUTF32 = 14, 15, 16, 17, 18
WORD = {1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8, 16: 1, 17: 2, 18: 4}
CLASS_CODE = {'double': 6, 'single': 7, 'int8': 8, 'uint8': 9, 'int16': 10, 'uint16': 11,
              'int32': 12, 'uint32': 13, 'int64': 14, 'uint64': 15, 'char': 4}
NUMPY_CLASS = {'float64': 'double', 'float32': 'single', 'int8': 'int8', 'uint8': 'uint8',
               'int16': 'int16', 'uint16': 'uint16', 'int32': 'int32', 'uint32': 'uint32',
               'int64': 'int64', 'uint64': 'uint64', 'bool': 'logical'}

HEADER = 'MATLAB 5.0 MAT-file, Platform: nucleimix fixtures, Created on: fixed date'


# ---------------------------------------------------------------------------------------------
# expected values

def encode_value(v, cls):
    if cls in ('int64', 'uint64'):
        return str(int(v))
    if cls in ('double', 'single'):
        f = float(v)
        if math.isnan(f):
            return 'NaN'
        if math.isinf(f):
            return 'Infinity' if f > 0 else '-Infinity'
        if f == 0 and math.copysign(1, f) < 0:
            return '-0'
        return f
    return int(v)


def expect_array(name, arr, cls=None, storage=None, compressed=False, is_global=False):
    """`arr` is the MATLAB-shaped array (numpy, >= 2-D) or, for char, a 2-D array of str."""
    if cls == 'char':
        arr = np.array([[ord(c) for c in row] for row in arr], dtype=np.uint16)
    else:
        arr = np.asarray(arr)
        cls = cls or NUMPY_CLASS[arr.dtype.name]
    e = {'name': name, 'kind': 'array', 'class': cls, 'dims': list(arr.shape),
         'data': [encode_value(v, cls) for v in arr.flatten(order='F')],
         'storage': storage, 'compressed': compressed}
    if is_global:
        e['global'] = True
    return e


def expect_opaque(name, what, compressed):
    return {'name': name, 'kind': 'opaque', 'what': what, 'compressed': compressed}


# ---------------------------------------------------------------------------------------------
# v5 element builder (for what savemat cannot write)

def pad8(b):
    return b + b'\0' * (-len(b) % 8)


def element(t, data, e='<'):
    if len(data) <= 4:
        return struct.pack(e + 'I', (len(data) << 16) | t) + data + b'\0' * (4 - len(data))
    return pad8(struct.pack(e + 'II', t, len(data)) + data)


def matrix(name, cls_code, dims, data_type, data, flags=0, e='<'):
    body = (element(miUINT32, struct.pack(e + 'II', cls_code | flags, 0), e)
            + element(miINT32, struct.pack(e + '%di' % len(dims), *dims), e)
            + element(miINT8, name.encode('latin1'), e)
            + element(data_type, data, e))
    return struct.pack(e + 'II', miMATRIX, len(body)) + body


def compressed(el, e='<'):
    z = zlib.compress(el)
    return struct.pack(e + 'II', miCOMPRESSED, len(z)) + z


def header(e='<'):
    text = HEADER.encode('latin1').ljust(116, b' ')
    return text + b'\0' * 8 + struct.pack(e + 'H', 0x0100) + (b'IM' if e == '<' else b'MI')


def packed(fmt, values, e='<'):
    return struct.pack(e + '%d%s' % (len(values), fmt), *values)


# ---------------------------------------------------------------------------------------------
# byte-order conversion of a whole v5 file (to make the big-endian fixture)

def swap_elements(buf, start, end, out):
    pos = start
    while pos < end:
        if end - pos < 8:
            out += buf[pos:end]
            return
        first = struct.unpack_from('<I', buf, pos)[0]
        if first >> 16:
            n, t = first >> 16, first & 0xffff
            out += struct.pack('>I', first)
            data = buf[pos + 4:pos + 8]
            out += swap_words(data[:n], t) + data[n:]
            pos += 8
            continue
        t, n = struct.unpack_from('<II', buf, pos)
        out += struct.pack('>II', t, n)
        if t == miMATRIX:
            swap_elements(buf, pos + 8, pos + 8 + n, out)
        else:
            out += swap_words(buf[pos + 8:pos + 8 + n], t)
        padded = n + (-n % 8)
        out += buf[pos + 8 + n:pos + 8 + padded]
        pos += 8 + padded


def swap_words(data, t):
    w = WORD[t]
    if w == 1:
        return bytes(data)
    return b''.join(data[i:i + w][::-1] for i in range(0, len(data), w))


def to_big_endian(le):
    assert le[126:128] == b'IM'
    out = bytearray(le[:116] + le[116:124] + struct.pack('>H', 0x0100) + b'MI')
    pos = 128
    while pos < len(le):
        t, n = struct.unpack_from('<II', le, pos)
        if t == miCOMPRESSED:
            inner = zlib.decompress(le[pos + 8:pos + 8 + n])
            be = bytearray()
            swap_elements(inner, 0, len(inner), be)
            z = zlib.compress(bytes(be))
            out += struct.pack('>II', miCOMPRESSED, len(z)) + z
            pos += 8 + n
        else:
            swap_elements(le, pos, pos + 8 + n + (-n % 8), out)
            pos += 8 + n + (-n % 8)
    return bytes(out)


# ---------------------------------------------------------------------------------------------
# fixtures

def numeric_variables():
    """Every numeric class with its extreme values, each 2×3 (MATLAB order), plus edge shapes."""
    v = {
        'v_double': np.array([[0.0, -0.0, 1.5], [float('nan'), float('inf'), -float('inf')]]),
        'v_single': np.array([[1.5, -2.25, float('nan')], [float('inf'), 3.4028235e38, 1e-45]], dtype=np.float32),
        'v_int8': np.array([[-128, 127, 0], [-1, 5, 6]], dtype=np.int8),
        'v_uint8': np.array([[0, 255, 1], [2, 3, 254]], dtype=np.uint8),
        'v_int16': np.array([[-32768, 32767, 0], [-1, 5, 6]], dtype=np.int16),
        'v_uint16': np.array([[0, 65535, 1], [2, 3, 65534]], dtype=np.uint16),
        'v_int32': np.array([[-2**31, 2**31 - 1, 0], [-1, 5, 6]], dtype=np.int32),
        'v_uint32': np.array([[0, 2**32 - 1, 1], [2, 3, 2**32 - 2]], dtype=np.uint32),
        'v_int64': np.array([[-2**63, 2**63 - 1, 0], [-1, 2**53 + 1, 6]], dtype=np.int64),
        'v_uint64': np.array([[0, 2**64 - 1, 1], [2, 2**53 + 1, 2**63]], dtype=np.uint64),
        'v_logical': np.array([[True, False, True], [False, False, True]]),
        'v_scalar': np.array([[7.25]]),
        'v_byte': np.array([[9]], dtype=np.uint8),  # 1 byte: a small data element
        'v_empty': np.zeros((0, 3)),
        'v_row': np.arange(5, dtype=np.int32).reshape(1, 5),
    }
    return v


def write_v5_numeric(expected):
    chars = np.array(['abc', 'déf'])  # a 2×3 char matrix; 'é' takes 2 bytes in miUTF8
    for comp in (False, True):
        name = 'numeric_z.mat' if comp else 'numeric.mat'
        vars_ = numeric_variables()
        sio.savemat(os.path.join(OUT, name), {**vars_, 'v_char': chars}, do_compression=comp, oned_as='column')
        exp = [expect_array(k, a, compressed=comp) for k, a in vars_.items()]
        # savemat writes all text as miUTF8; MATLAB (and nucleimix by default) would use
        # miUTF16 for non-ASCII text, so the reader remembers miUTF8.
        exp.append(expect_array('v_char', ['abc', 'déf'], cls='char', storage='miUTF8', compressed=comp))
        expected[name] = exp


def write_consep_like(expected):
    """A CoNSeP label file: 12×10 maps, 3 nuclei, everything double, compressed."""
    inst = np.zeros((12, 10))
    inst[1:4, 1:5] = 1
    inst[6:10, 2:4] = 2
    inst[8:11, 6:9] = 3
    types = np.array([[2.0], [1.0], [4.0]])
    type_map = np.zeros_like(inst)
    for i, t in enumerate(types[:, 0], start=1):
        type_map[inst == i] = t
    cent = np.array([[np.mean(np.nonzero(inst == i)[1]), np.mean(np.nonzero(inst == i)[0])] for i in (1, 2, 3)])
    d = {'inst_map': inst, 'type_map': type_map, 'inst_type': types, 'inst_centroid': cent}
    sio.savemat(os.path.join(OUT, 'consep_like.mat'), d, do_compression=True)
    expected['consep_like.mat'] = [expect_array(k, a, compressed=True) for k, a in d.items()]


def write_ints(expected):
    d = {
        'label_u16': np.array([[0, 1, 65535], [300, 2, 0]], dtype=np.uint16),
        'label_i32': np.array([[0, -5], [100000, 7]], dtype=np.int32),
        'mask_u8': np.array([[0, 1, 1, 0]], dtype=np.uint8),
    }
    sio.savemat(os.path.join(OUT, 'ints.mat'), d, do_compression=False)
    expected['ints.mat'] = [expect_array(k, a) for k, a in d.items()]


def opaque_variables():
    s = {'field_a': np.array([[1.0, 2.0]]), 'field_b': 'text'}
    c = np.empty((1, 2), dtype=object)
    c[0, 0] = np.array([[1, 2, 3]], dtype=np.int16)
    c[0, 1] = 'cell text'
    import scipy.sparse as sp
    return {
        'before': np.array([[1.0, 2.0, 3.0]]),
        'a_struct': s,
        'a_cell': c,
        'a_sparse': sp.csc_matrix(np.array([[0, 1.5], [2.0, 0]])),
        'a_complex': np.array([[1 + 2j, 3 - 4j]]),
        'after': np.array([[4, 5]], dtype=np.uint8),
    }


def write_opaque(expected):
    for comp in (False, True):
        name = 'opaque_z.mat' if comp else 'opaque.mat'
        sio.savemat(os.path.join(OUT, name), opaque_variables(), do_compression=comp)
        expected[name] = [
            expect_array('before', np.array([[1.0, 2.0, 3.0]]), compressed=comp),
            expect_opaque('a_struct', 'struct', comp),
            expect_opaque('a_cell', 'cell', comp),
            expect_opaque('a_sparse', 'sparse', comp),
            expect_opaque('a_complex', 'complex double', comp),
            expect_array('after', np.array([[4, 5]], dtype=np.uint8), compressed=comp),
        ]


def write_nd(expected):
    d = {
        'cube': np.arange(24, dtype=np.float64).reshape((2, 3, 4), order='F') * 0.5,
        'hyper_u8': np.arange(2 * 2 * 3 * 2, dtype=np.uint8).reshape((2, 2, 3, 2), order='F'),
        'cube_i16': -np.arange(8, dtype=np.int16).reshape((2, 2, 2)),
    }
    sio.savemat(os.path.join(OUT, 'nd.mat'), d, do_compression=True)
    expected['nd.mat'] = [expect_array(k, a, compressed=True) for k, a in d.items()]


def write_compact(expected):
    """MATLAB-style compact storage, miUTF16 chars, the global flag and small data elements, by
    hand; with a struct and a cell from savemat appended. Then the same file big-endian."""
    e = '<'
    parts = []
    exp = []

    def add(el, comp, expect):
        parts.append(compressed(el) if comp else pad8(el))
        expect['compressed'] = comp
        exp.append(expect)

    vals = [0, 1, 2, 200, 255, 7]
    add(matrix('compact_u8', 6, [2, 3], miUINT8, bytes(vals)), False,
        expect_array('compact_u8', np.array(vals, dtype=np.float64).reshape((2, 3), order='F'), storage='miUINT8'))
    vals = [-300, 0, 300, 32767]
    add(matrix('compact_i16', 6, [2, 2], miINT16, packed('h', vals)), False,
        expect_array('compact_i16', np.array(vals, dtype=np.float64).reshape((2, 2), order='F'), storage='miINT16'))
    add(matrix('single_i8', 7, [1, 2], miINT8, packed('b', [-1, 2])), False,
        expect_array('single_i8', np.array([[-1, 2]], dtype=np.float32), storage='miINT8'))
    add(matrix('int32_u8', 12, [3, 1], miUINT8, bytes([1, 2, 3])), False,
        expect_array('int32_u8', np.array([[1], [2], [3]], dtype=np.int32), storage='miUINT8'))
    text = 'héllo'
    add(matrix('utf16', 4, [1, 5], miUTF16, text.encode('utf-16-le')), False,
        expect_array('utf16', [text], cls='char'))
    add(matrix('ok', 4, [1, 2], miUINT16, 'ok'.encode('utf-16-le')), False,
        expect_array('ok', ['ok'], cls='char', storage='miUINT16'))
    add(matrix('glob', 6, [1, 1], miDOUBLE, packed('d', [3.5]), flags=0x400), False,
        expect_array('glob', np.array([[3.5]]), is_global=True))
    vals = [1000, 2000, 65535, 0]
    add(matrix('z_compact', 6, [2, 2], miUINT16, packed('H', vals)), True,
        expect_array('z_compact', np.array(vals, dtype=np.float64).reshape((2, 2), order='F'), storage='miUINT16'))
    vals = list(range(8))
    add(matrix('nd_compact', 6, [2, 2, 2], miUINT8, bytes(vals)), True,
        expect_array('nd_compact', np.array(vals, dtype=np.float64).reshape((2, 2, 2), order='F'), storage='miUINT8'))
    add(matrix('big_u64', 15, [1, 1], miUINT64, packed('Q', [2**64 - 1])), True,
        expect_array('big_u64', np.array([[2**64 - 1]], dtype=np.uint64)))

    # A struct and a cell, compressed, as savemat writes them.
    tmp = os.path.join(OUT, '_tmp.mat')
    sio.savemat(tmp, {'s': {'x': np.array([[1.0, 2.0]]), 'name': 'abc'}}, do_compression=True)
    with open(tmp, 'rb') as f:
        parts.append(f.read()[128:])
    exp.append(expect_opaque('s', 'struct', True))
    c = np.empty((2, 1), dtype=object)
    c[0, 0] = np.array([[1.5, 2.5]], dtype=np.float32)
    c[1, 0] = np.array([[7]], dtype=np.int64)
    sio.savemat(tmp, {'c': c}, do_compression=False)
    with open(tmp, 'rb') as f:
        parts.append(f.read()[128:])
    exp.append(expect_opaque('c', 'cell', False))
    os.remove(tmp)

    le = header(e) + b''.join(parts)
    be = to_big_endian(le)
    for name, data in (('compact.mat', le), ('big_endian.mat', be)):
        with open(os.path.join(OUT, name), 'wb') as f:
            f.write(data)
        expected[name] = exp
        check_with_scipy(os.path.join(OUT, name), exp)


def check_with_scipy(path, exp):
    """Loads a hand-built file with scipy and checks it holds what `exp` says."""
    m = sio.loadmat(path, mat_dtype=True)
    for v in exp:
        got = m[v['name']]
        if v['kind'] != 'array':
            continue
        if v['class'] == 'char':
            text = ''.join(chr(c) for c in v['data'])
            assert got[0] == text, (path, v['name'], got)
            continue
        want_dtype = {'logical': 'bool', 'double': 'float64', 'single': 'float32'}.get(v['class'], v['class'])
        assert got.dtype.name == want_dtype, (path, v['name'], got.dtype)
        assert list(got.shape) == v['dims'], (path, v['name'], got.shape)
        want = [encode_value(x, v['class']) for x in got.flatten(order='F')]
        assert want == v['data'], (path, v['name'], want, v['data'])
        if v.get('global'):
            assert v['name'] in m['__globals__'], (path, m['__globals__'])
    # the opaque ones must at least load
    assert isinstance(m['s'], np.ndarray) and m['s'].dtype.names == ('x', 'name'), m['s']
    assert m['c'].shape == (2, 1), m['c']


def write_v73(expected):
    path = os.path.join(OUT, 'v73.mat')
    exp = []
    with h5py.File(path, 'w', userblock_size=512, libver='earliest') as f:
        def put(name, arr, cls, comp=False, decode=None, where=f):
            arr = np.asarray(arr)
            ds = where.create_dataset(name, data=np.ascontiguousarray(arr.T),
                                      compression='gzip' if comp else None)
            ds.attrs['MATLAB_class'] = np.bytes_(cls)
            if decode is not None:
                ds.attrs['MATLAB_int_decode'] = np.int32(decode)
            return ds

        for k, a in numeric_variables().items():
            if a.size == 0:
                continue
            cls = NUMPY_CLASS[a.dtype.name]
            comp = k in ('v_double', 'v_int16', 'v_uint64')
            put(k, a.astype(np.uint8) if cls == 'logical' else a, cls, comp, 1 if cls == 'logical' else None)
            exp.append(expect_array(k, a, compressed=comp))
        text = ['abc', 'xyz']
        codes = np.array([[ord(c) for c in row] for row in text], dtype=np.uint16)
        put('v_char', codes, 'char', decode=2)
        exp.append(expect_array('v_char', text, cls='char'))
        cube = np.arange(24, dtype=np.float64).reshape((2, 3, 4), order='F')
        put('cube', cube, 'double', comp=True)
        exp.append(expect_array('cube', cube, compressed=True))
        empty = f.create_dataset('empty', data=np.array([0, 3], dtype=np.uint64))
        empty.attrs['MATLAB_class'] = np.bytes_('double')
        empty.attrs['MATLAB_empty'] = np.uint8(1)
        exp.append(expect_array('empty', np.zeros((0, 3))))
        g = f.create_group('a_struct')
        g.attrs['MATLAB_class'] = np.bytes_('struct')
        put('x', np.array([[1.0, 2.0]]), 'double', where=g)
        exp.append(expect_opaque('a_struct', 'struct', False))
        refs = f.create_group('#refs#')
        r1 = put('a', np.array([[1.0]]), 'double', where=refs)
        r2 = put('b', np.array([[2, 3]], dtype=np.int8), 'int8', where=refs)
        cell = f.create_dataset('a_cell', data=np.array([[r1.ref], [r2.ref]], dtype=h5py.ref_dtype))
        cell.attrs['MATLAB_class'] = np.bytes_('cell')
        exp.append(expect_opaque('a_cell', 'cell', False))
    with open(path, 'r+b') as f:
        text = 'MATLAB 7.3 MAT-file, Platform: nucleimix fixtures, Created on: fixed date HDF5 schema 1.00 .'
        f.write(text.encode('latin1').ljust(116, b' ') + b'\0' * 8 + struct.pack('<H', 0x0200) + b'IM')
    # h5py lists root members in name order, as HDF5 does; so does nucleimix's reader.
    exp.sort(key=lambda v: v['name'])
    expected['v73.mat'] = exp
    with h5py.File(path, 'r') as f:
        assert f.userblock_size == 512
        assert np.array_equal(f['cube'][()].T, cube)


def main():
    os.makedirs(OUT, exist_ok=True)
    expected = {}
    write_v5_numeric(expected)
    write_consep_like(expected)
    write_ints(expected)
    write_opaque(expected)
    write_nd(expected)
    write_compact(expected)
    write_v73(expected)
    # savemat stamps the header with the time; pin it so that regenerating changes nothing.
    for name in expected:
        if name.endswith('.mat') and name != 'v73.mat':
            path = os.path.join(OUT, name)
            with open(path, 'r+b') as f:
                head = f.read(128)
                if head.startswith(b'MATLAB 5.0 MAT-file Platform'):
                    f.seek(0)
                    f.write(HEADER.encode('latin1').ljust(116, b' '))
    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump({'header': HEADER, 'files': expected}, f, indent=1)
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print('wrote %d files, %d bytes, to %s' % (len(os.listdir(OUT)), total, os.path.normpath(OUT)))


if __name__ == '__main__':
    main()
