"""Sister-city degree, PageRank and eigenvector centrality of every twinned city (resolved or not).

PageRank (networkx, damping 0.85, on the undirected twinning graph) is the measure the influence
index uses: it credits partners that are themselves well tied, like eigenvector centrality, but a
clique of small towns that all twin each other (the Douzelage's 28) cannot take the whole score,
and disconnected parts get their share. Eigenvector centrality is kept beside it for reference:
the leading eigenvector of the adjacency matrix (scipy's ARPACK, started from the all-ones vector
so that runs agree) - the Douzelage clique takes it. Both scaled so the top city scores 1 and
rounded to 9 digits (last digits of iterative solvers differ between runs; the marts must not).
About 45,000 cities and 55,000 pairs: about a second."""

import networkx as nx
import numpy as np
import polars as pl
from scipy.sparse.linalg import eigsh


def model(dbt, session):
    dbt.config(materialized="table")
    # sorted: the graph's node order drives PageRank's summation order, hence its last digits
    pairs = dbt.ref("int_city_partnerships").pl().sort("city_id_a", "city_id_b")
    graph = nx.Graph()
    graph.add_edges_from(zip(pairs["city_id_a"].to_list(), pairs["city_id_b"].to_list()))
    nodes = sorted(graph.nodes)
    pagerank = nx.pagerank(graph, alpha=0.85, tol=1e-12, max_iter=1000)
    adjacency = nx.to_scipy_sparse_array(graph, nodelist=nodes, dtype=float, format="csr")
    _, vectors = eigsh(adjacency, k=1, which="LA", v0=np.ones(len(nodes)))
    eigenvector = np.abs(vectors[:, 0])
    ranks = np.array([pagerank[n] for n in nodes])
    geonameids = pl.concat([pairs.select(city_id="city_id_a", geonameid="geonameid_a"),
                            pairs.select(city_id="city_id_b", geonameid="geonameid_b")]).unique("city_id")
    return pl.DataFrame({
        "city_id": nodes,
        "sister_city_degree": [graph.degree(n) for n in nodes],
        "pagerank": np.round(ranks / ranks.max(), 9),
        "eigenvector_centrality": np.round(eigenvector / eigenvector.max(), 9),
    }, schema={"city_id": pl.String, "sister_city_degree": pl.Int64, "pagerank": pl.Float64,
               "eigenvector_centrality": pl.Float64}).join(geonameids, on="city_id", how="left")
