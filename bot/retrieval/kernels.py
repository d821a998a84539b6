"""Compiled loops over posting lists (numba), for the two places where a question's cost is a walk
over tens of thousands of postings: the top-``k`` search (sentences and titles) and the ranking's
first stage (evidence rows, their features and scores).

numpy needs several whole-array passes for what is one loop here (gather, multiply, scatter-add,
read back, re-zero, partition), so the search runs 3-4 times faster and a whole answer about 3
times faster (README "Scale"). The loops are plain Python functions made into machine code on first
use and cached on disk by numba; ``compiled()`` returns them, made once per process. They hold no
Python objects and release the GIL, so a question answered in one thread does not stall another.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import importlib.util
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

BLOCK = 1 << 15  # rows scored together by ``top_rows`` (a 128 kB array of sums)
ROW_MAX = (1 << 31) - 1  # rows are numbered below this


def _select(keys: NDArray[Any], n: int, k: int) -> None:
    """Move the ``k`` largest of the distinct ``keys[:n]`` to ``keys[:k]`` (any order): quickselect.
    (Written out: numba's np.partition triples the compile time.)"""
    lo, hi, target = 0, n - 1, k - 1
    while 0 <= target < n - 1 and lo < hi:
        pivot = keys[(lo + hi) // 2]
        i, j = lo, hi
        while i <= j:
            while keys[i] > pivot:
                i += 1
            while keys[j] < pivot:
                j -= 1
            if i <= j:
                keys[i], keys[j] = keys[j], keys[i]
                i += 1
                j -= 1
        if target <= j:
            hi = j
        elif target >= i:
            lo = i
        else:
            break


def _top_rows(
    indptr: NDArray[Any],
    indices: NDArray[Any],
    data: NDArray[Any],
    columns: NDArray[Any],
    weights: NDArray[Any],
    term_idf: NDArray[Any],
    n_rows: int,
    k: int,
    row_article: NDArray[Any],
    visible: NDArray[Any],
    with_coverage: bool,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """The ``k`` best rows by the weighted sum of the ``columns``' entries, best first (ties by
    row), with the idf sum of the terms each holds (when ``with_coverage``; else zeros).

    Rows are scored one block of ``BLOCK`` rows at a time: each posting list is sorted by row, so
    the block's entries of every term are read in turn and summed in a block-sized array that stays
    in the processor's cache, instead of scattered over an array as long as the index. The best
    rows are picked as the blocks are read back: one comparison per row with the ``k``-th best so
    far, a sort of the few that passed now and then. With a
    non-empty ``visible`` (one flag per group of rows), only rows whose group (``row_article``, or
    the row itself when that is empty) is visible count. An empty ``data`` counts every entry as 1.
    """
    filter_rows, by_group, weighted = len(visible) > 0, len(row_article) > 0, len(data) > 0
    n_terms = len(columns)
    cursor = np.empty(n_terms, dtype=np.int64)
    end = np.empty(n_terms, dtype=np.int64)
    for j in range(n_terms):
        cursor[j], end[j] = indptr[columns[j]], indptr[columns[j] + 1]
    block = np.zeros(BLOCK, dtype=np.float32)
    bits = block.view(np.int32)  # a positive float32's bits order as its value does
    touched = np.empty(BLOCK, dtype=np.int64)
    # Rows are kept as one int64 key each, score bits above, (ROW_MAX - row) below, so a larger key
    # is a better row (ties by lower row). Keys above ``least`` (the k-th best so far) are buffered;
    # a full buffer is cut back to its best k.
    buffer = np.empty(max(4 * k, 1024), dtype=np.int64)
    held = 0
    least = np.int64(-1)
    for base in range(0, n_rows, BLOCK):
        limit = base + BLOCK
        n = 0
        for j in range(n_terms):
            weight = np.float32(weights[j])
            p, e = cursor[j], end[j]
            while p < e and indices[p] < limit:
                row = indices[p]
                if not filter_rows or visible[row_article[row] if by_group else row]:
                    at = row - base
                    if block[at] == 0.0:
                        touched[n] = at
                        n += 1
                    block[at] += data[p] * weight if weighted else weight
                p += 1
            cursor[j] = p
        for i in range(n):
            at = touched[i]
            key = (np.int64(bits[at]) << 32) | (ROW_MAX - (base + at))
            block[at] = 0.0
            if key > least:
                buffer[held] = key
                held += 1
                if held == len(buffer):  # keep the best k
                    _select(buffer, held, k)
                    held = k
                    least = buffer[:k].min()
    kept = min(held, k)
    _select(buffer, held, kept)
    keys = buffer[:kept]
    for i in range(1, kept):  # insertion sort, best first
        key = keys[i]
        j = i - 1
        while j >= 0 and keys[j] < key:
            keys[j + 1] = keys[j]
            j -= 1
        keys[j + 1] = key
    best_rows = ROW_MAX - (keys & ROW_MAX)
    score_bits = (keys >> 32).astype(np.int32)
    best_scores = score_bits.view(np.float32)
    filled = len(keys)
    coverage = np.zeros(filled)
    if with_coverage:  # looked up for the chosen rows only: a binary search in each term's list
        for j in range(len(columns)):
            posting = indices[indptr[columns[j]] : indptr[columns[j] + 1]]
            for i in range(filled):
                place = np.searchsorted(posting, best_rows[i])
                if place < len(posting) and posting[place] == best_rows[i]:
                    coverage[i] += term_idf[j]
    return best_rows, best_scores.astype(np.float64), coverage


def _gallop(values: NDArray[Any], start: int, target: int) -> int:
    """The first place at or after ``start`` where ascending ``values`` reach ``target``: steps
    doubling from ``start``, then a binary search (cheap when the place is near ``start``)."""
    n = len(values)
    if start >= n or values[start] >= target:
        return start
    step = 1
    lo = start  # values[lo] < target
    while lo + step < n and values[lo + step] < target:
        lo += step
        step *= 2
    hi = min(lo + step, n)  # values[hi] >= target, or hi == n
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if values[mid] < target:
            lo = mid
        else:
            hi = mid
    return hi


def _evidence(
    indptr: NDArray[Any],
    indices: NDArray[Any],
    data: NDArray[Any],
    columns: NDArray[Any],
    weights: NDArray[Any],
    bits: NDArray[Any],
    rows: NDArray[Any],
    row_article: NDArray[Any],
    article_lo: NDArray[Any],
    article_hi: NDArray[Any],
    title_indptr: NDArray[Any],
    title_articles: NDArray[Any],
    articles: NDArray[Any],
) -> tuple[NDArray[Any], ...]:
    """What the ranking's first stage reads for each of the ``rows`` (ascending) and their
    ``articles`` (ascending; ``row_article`` gives each row's place among them).

    Returns per row: the cosine with the query, the part of it from terms the article's title
    holds too, the sum of the in-article idf of the question terms it holds, its bit mask of
    question terms; per article: the bit mask of question terms in its title and the sum of all
    question terms' in-article idf. In-article idf of a term: ``ln((size + 1) / (df + 1)) + 1``,
    with ``df`` the article's rows that hold it.
    """
    n_rows, n_articles = len(rows), len(articles)
    cosine = np.zeros(n_rows)
    cosine_title = np.zeros(n_rows)
    local = np.zeros(n_rows)
    mask = np.zeros(n_rows, dtype=np.int64)
    title_mask = np.zeros(n_articles, dtype=np.int64)
    local_mass = np.zeros(n_articles)
    sizes = (article_hi - article_lo).astype(np.float64)
    term_local = np.empty(n_articles)
    in_title = np.zeros(n_articles, dtype=np.bool_)
    for a in range(n_articles):
        local_mass[a] = (np.log(sizes[a] + 1.0) + 1.0) * len(columns)
    for j in range(len(columns)):
        col = columns[j]
        lo, hi = indptr[col], indptr[col + 1]
        if hi == lo:
            continue
        posting = indices[lo:hi]
        titled = title_articles[title_indptr[col] : title_indptr[col + 1]]
        # Articles and rows ascend: every search starts where the previous one ended.
        place = title_place = 0
        for a in range(n_articles):
            place = _gallop(posting, place, article_lo[a])
            end = _gallop(posting, place, article_hi[a])
            term_local[a] = np.log((sizes[a] + 1.0) / (end - place + 1.0)) + 1.0
            local_mass[a] += term_local[a] - (np.log(sizes[a] + 1.0) + 1.0)
            title_place = _gallop(titled, title_place, articles[a])
            in_title[a] = title_place < len(titled) and titled[title_place] == articles[a]
            if in_title[a]:
                title_mask[a] |= bits[j]
        weight = weights[j]
        place = 0
        for i in range(n_rows):
            row = rows[i]
            place = _gallop(posting, place, row)
            if place >= len(posting):
                break
            if posting[place] != row:
                continue
            value = np.float64(data[lo + place]) * weight
            cosine[i] += value
            mask[i] |= bits[j]
            a = row_article[i]
            if in_title[a]:
                cosine_title[i] += value
            local[i] += term_local[a]
    return cosine, cosine_title, local, mask, title_mask, local_mass


def _mass(mask: int, bits: NDArray[Any], weights: NDArray[Any]) -> float:
    """Sum of ``weights[j]`` over the terms ``j`` whose bit is set in ``mask``."""
    total = 0.0
    for j in range(len(bits)):
        if mask & bits[j]:
            total += weights[j]
    return total


def _first_stage(
    indptr: NDArray[Any],
    indices: NDArray[Any],
    data: NDArray[Any],
    columns: NDArray[Any],
    weights: NDArray[Any],
    bits: NDArray[Any],
    plain_idf: NDArray[Any],
    rank_idf: NDArray[Any],
    seeds: NDArray[Any],
    titled: NDArray[Any],
    starts: NDArray[Any],
    paragraph_of: NDArray[Any],
    article_of: NDArray[Any],
    first_row: NDArray[Any],
    title_indptr: NDArray[Any],
    title_articles: NDArray[Any],
    coef: NDArray[Any],
) -> tuple[NDArray[Any], ...]:
    """The ranking's first stage (``Ranker._first_stage`` documents the features and ``coef``
    holds, in order: mass, rank_mass, cosine, cosine_coverage, window, paragraph, title, local,
    previous, title_term_share).

    ``seeds`` and ``titled`` (ascending rows) give the evidence rows: every row of their paragraphs.
    The candidates are the seeds, the ``titled`` rows that hold a question term, and their
    neighbours in the paragraph. Returns, per candidate (ascending): row, score, cosine, idf
    coverage, window idf coverage, its article title's idf coverage and its bit mask of question terms.
    """
    mass, rank_mass, w_cosine, w_cov, w_window = coef[0], coef[1], coef[2], coef[3], coef[4]
    w_paragraph, w_title, w_local, w_previous, share = coef[5], coef[6], coef[7], coef[8], coef[9]
    # Paragraphs of the seeds and titled rows: two ascending lists merged, repeats dropped.
    n_s, n_t = len(seeds), len(titled)
    paras = np.empty(n_s + n_t, dtype=np.int64)
    n_p, i, j = 0, 0, 0
    while i < n_s or j < n_t:
        if j >= n_t or (i < n_s and seeds[i] <= titled[j]):
            p = paragraph_of[seeds[i]]
            i += 1
        else:
            p = paragraph_of[titled[j]]
            j += 1
        if n_p == 0 or paras[n_p - 1] != p:
            paras[n_p] = p
            n_p += 1
    # Evidence rows, each with its paragraph (index into paras) and article (index into arts).
    total = 0
    for q in range(n_p):
        total += starts[paras[q] + 1] - starts[paras[q]]
    rows = np.empty(total, dtype=np.int64)
    row_para = np.empty(total, dtype=np.int64)
    row_art = np.empty(total, dtype=np.int64)
    arts = np.empty(total, dtype=np.int64)
    n, n_a = 0, 0
    for q in range(n_p):
        for r in range(starts[paras[q]], starts[paras[q] + 1]):
            rows[n] = r
            row_para[n] = q
            a = article_of[r]
            if n_a == 0 or arts[n_a - 1] != a:
                arts[n_a] = a
                n_a += 1
            row_art[n] = n_a - 1
            n += 1
    arts = arts[:n_a]
    a_lo = np.empty(n_a, dtype=np.int64)
    a_hi = np.empty(n_a, dtype=np.int64)
    for a in range(n_a):
        a_lo[a], a_hi[a] = first_row[arts[a]], first_row[arts[a] + 1]
    cosine, cosine_title, local, mask, title_mask, local_mass = _evidence(
        indptr, indices, data, columns, weights, bits, rows, row_art, a_lo, a_hi, title_indptr, title_articles, arts
    )
    # Candidates: flag the core rows (seeds, titled rows holding a question term) and their
    # neighbours in the paragraph, by their place among the evidence rows.
    chosen = np.zeros(total, dtype=np.bool_)
    at = 0
    for i in range(n_s):
        while rows[at] < seeds[i]:
            at += 1
        chosen[at] = True
    at = 0
    for i in range(n_t):
        while rows[at] < titled[i]:
            at += 1
        if cosine[at] > 0:
            chosen[at] = True
    core = chosen.copy()
    for at in range(total):
        if core[at]:
            if at > 0 and row_para[at - 1] == row_para[at]:
                chosen[at - 1] = True
            if at + 1 < total and row_para[at + 1] == row_para[at]:
                chosen[at + 1] = True
    para_mask = np.zeros(n_p, dtype=np.int64)
    for at in range(total):
        para_mask[row_para[at]] |= mask[at]
    n_c = 0
    for at in range(total):
        if chosen[at]:
            n_c += 1
    cand = np.empty(n_c, dtype=np.int64)
    score = np.empty(n_c)
    cos = np.empty(n_c)
    coverage = np.empty(n_c)
    window_coverage = np.empty(n_c)
    title_coverage = np.empty(n_c)
    own = np.empty(n_c, dtype=np.int64)
    c = 0
    for at in range(total):
        if not chosen[at]:
            continue
        before = at > 0 and row_para[at - 1] == row_para[at]
        after = at + 1 < total and row_para[at + 1] == row_para[at]
        mine = mask[at]
        window = mine
        if before:
            window |= mask[at - 1]
        if after:
            window |= mask[at + 1]
        title = title_mask[row_art[at]]
        cos_t = cosine[at] - (1.0 - share) * cosine_title[at]
        cov_t = (_mass(mine, bits, rank_idf) - (1.0 - share) * _mass(mine & title, bits, rank_idf)) / rank_mass
        value = w_cosine * cos_t + w_cov * cos_t * cov_t
        value += w_window * _mass(window, bits, rank_idf) / rank_mass
        value += w_paragraph * _mass(para_mask[row_para[at]], bits, rank_idf) / rank_mass
        value += w_title * _mass(title, bits, rank_idf) / rank_mass
        value += w_local * local[at] / local_mass[row_art[at]]
        if before:
            value += w_previous * cosine[at - 1]
        cand[c] = rows[at]
        score[c] = value
        cos[c] = cosine[at]
        coverage[c] = _mass(mine, bits, plain_idf) / mass
        window_coverage[c] = _mass(window, bits, plain_idf) / mass
        title_coverage[c] = _mass(title, bits, plain_idf) / mass
        own[c] = mine
        c += 1
    return cand, score, cos, coverage, window_coverage, title_coverage, own


@dataclass(frozen=True, slots=True)
class Kernels:
    """The compiled loops (see the functions of the same names, without the underscore)."""

    top_rows: Callable[..., tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]]
    first_stage: Callable[..., tuple[NDArray[Any], ...]]


@dataclass(frozen=True, slots=True)
class LoopChoice:
    """Which loops ``compiled()`` returns: numba's (when ``use_numba`` and numba imports), else the
    numpy ones, with numba's machine code cached in ``cache_dir`` (``None``: numba's default place)."""

    use_numba: bool = True
    cache_dir: Path | None = None


_CHOICE: list[LoopChoice] = [LoopChoice()]  # set once by the composition root (``choose``)


def choose(choice: LoopChoice) -> None:
    """Select the loops for this process, before the first search (the command line does, from
    NEWSBOT_NUMBA and the data folder). Like numba's own cache, the choice is process-wide; the
    cache folder counts only until the loops are first compiled in this process."""
    _CHOICE[0] = choice


@functools.cache
def numba_version() -> str | None:
    """numba's version when it can be imported (without importing it), else ``None``."""
    try:
        return importlib.metadata.version("numba") if importlib.util.find_spec("numba") else None
    except importlib.metadata.PackageNotFoundError:
        return None


def describe() -> str:
    """Which loops this process uses, for the start line: "numba 0.61.0" or "numpy (...)"."""
    choice = _CHOICE[0]
    if not choice.use_numba:
        return "numpy (numba switched off: NEWSBOT_NUMBA=off)"
    version = numba_version()
    return f"numba {version}" if version else "numpy (numba is not installed)"


def needs_compiling(choice: LoopChoice) -> bool:
    """Whether the first search will compile the numba loops (no machine code cached in
    ``choice.cache_dir`` yet): a front end then says so, since it takes several seconds."""
    if not choice.use_numba or numba_version() is None or choice.cache_dir is None:
        return False
    return not any(choice.cache_dir.rglob(f"{__name__.rsplit('.', 1)[-1]}._*.nbi"))


def compiled() -> Kernels:
    """The search loops chosen by ``choose`` (default: numba's when installed, else numpy's)."""
    if _CHOICE[0].use_numba and numba_version() is not None:
        return _numba_kernels()
    return _NUMPY


@functools.cache
def _numba_kernels() -> Kernels:
    """The loops compiled by numba (imported here, on first use: a process that never searches does
    not pay for it). Machine code is cached on disk in NUMBA_CACHE_DIR (the command line sets it to
    the data folder), else next to this file or in the user's cache folder; where none is writable
    they are compiled in memory at every start (about a second)."""
    cache_dir = _CHOICE[0].cache_dir  # numba reads NUMBA_CACHE_DIR, set by the front end, at import
    if cache_dir is not None:
        with contextlib.suppress(OSError):
            cache_dir.mkdir(parents=True, exist_ok=True)
    import numba
    from numba.extending import register_jitable

    for helper in (_select, _gallop, _evidence, _mass):  # called from the loops below
        register_jitable(helper)

    def jit(fn: Callable[..., Any]) -> Callable[..., Any]:
        try:
            return numba.njit(cache=True, nogil=True)(fn)
        except RuntimeError:  # no writable cache location
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return numba.njit(nogil=True)(fn)

    return Kernels(top_rows=jit(_top_rows), first_stage=jit(_first_stage))


def _numpy_top_rows(
    indptr: NDArray[Any],
    indices: NDArray[Any],
    data: NDArray[Any],
    columns: NDArray[Any],
    weights: NDArray[Any],
    term_idf: NDArray[Any],
    n_rows: int,
    k: int,
    row_article: NDArray[Any],
    visible: NDArray[Any],
    with_coverage: bool,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """``_top_rows`` in whole-array numpy, for where numba is not installed or switched off: the
    same rows, float32 sums added in the same order (so the same ties), and coverage."""
    del n_rows  # the rows come from the posting lists
    columns = np.asarray(columns, dtype=np.int64)
    starts, ends = indptr[columns].astype(np.int64), indptr[columns + 1].astype(np.int64)
    lists = [indices[a:b].astype(np.int64) for a, b in zip(starts, ends, strict=True)]
    rows = np.unique(np.concatenate(lists)) if lists else np.zeros(0, dtype=np.int64)
    if len(visible):
        rows = rows[visible[row_article[rows] if len(row_article) else rows]]
    sums = np.zeros(len(rows), dtype=np.float32)
    coverage = np.zeros(len(rows))
    for j, posting in enumerate(lists):
        place = np.searchsorted(rows, posting)
        hit = place < len(rows)
        hit[hit] = rows[place[hit]] == posting[hit]
        at = place[hit]
        weight = np.float32(weights[j])
        sums[at] += data[starts[j] : ends[j]][hit] * weight if len(data) else weight
        if with_coverage:
            coverage[at] += term_idf[j]
    order = np.lexsort((rows, -sums))[:k]
    return rows[order], sums[order].astype(np.float64), coverage[order] if with_coverage else np.zeros(len(order))


_NUMPY = Kernels(top_rows=_numpy_top_rows, first_stage=_first_stage)
