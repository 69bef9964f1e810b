"""Sister-city degree and eigenvector centrality of every twinned city (resolved or not).

The leading eigenvector of the undirected twinning graph's adjacency matrix, by scipy's sparse
symmetric eigensolver (ARPACK, started from the all-ones vector so that runs agree), scaled so
the most central city scores 1 and rounded to 9 digits. About 45,000 cities and 55,000 pairs: well
under a second. (The graph has many components; as usual for eigenvector centrality, cities
outside the dominant component score 0 - their degree is given beside it. networkx refuses
eigenvector centrality on a disconnected graph for that reason.)"""

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.linalg import eigsh


def model(dbt, session):
    dbt.config(materialized="table")
    pairs = dbt.ref("fct_city_partnership").pl()
    a, b = pairs["city_id_a"].to_numpy(), pairs["city_id_b"].to_numpy()
    nodes, index = np.unique(np.concatenate([a, b]), return_inverse=True)
    src, dst = index[: len(a)], index[len(a):]
    n = len(nodes)
    adjacency = coo_matrix((np.ones(2 * len(a)), (np.concatenate([src, dst]), np.concatenate([dst, src]))),
                           shape=(n, n)).tocsr()
    _, vectors = eigsh(adjacency, k=1, which="LA", v0=np.ones(n))
    x = np.abs(vectors[:, 0])
    degree = np.bincount(src, minlength=n) + np.bincount(dst, minlength=n)
    geonameids = pl.concat([pairs.select(city_id="city_id_a", geonameid="geonameid_a"),
                            pairs.select(city_id="city_id_b", geonameid="geonameid_b")]).unique("city_id")
    return pl.DataFrame({
        "city_id": nodes.astype(str),
        "sister_city_degree": degree.astype(np.int64),
        "eigenvector_centrality": np.round(x / x.max(), 9),
    }).join(geonameids, on="city_id", how="left")
