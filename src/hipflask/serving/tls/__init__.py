"""HTTPS for development and production: throwaway certificates, a local CA, contexts.

``"adhoc"`` serves HTTPS at once with a certificate browsers warn about;
``"local"`` uses a certificate from a CA made and kept on this machine, which
browsers accept once it is trusted; a ``(cert, key)`` pair is for production.
"""

from __future__ import annotations

from .adhoc import make_adhoc_certificate as make_adhoc_certificate
from .context import SSLContextSpec as SSLContextSpec
from .context import load_ssl_context as load_ssl_context
from .context import make_adhoc_context as make_adhoc_context
from .context import make_server_context as make_server_context
from .local_ca import LocalCA as LocalCA
from .local_ca import default_ca_dir as default_ca_dir
from .trust import TrustInstallError as TrustInstallError
from .trust import install_trust as install_trust
from .trust import trust_instructions as trust_instructions
