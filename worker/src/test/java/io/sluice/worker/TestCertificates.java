package io.sluice.worker;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

/**
 * A throwaway CA and a server certificate for 127.0.0.1/localhost, written as the PEM files
 * redis-server takes and as a PKCS#12 trust store holding the CA for the JVM's clients.
 */
record TestCertificates(Path caPem, Path serverCertPem, Path serverKeyPem, Path trustStore, String trustStorePassword) {

    static TestCertificates create(Path dir) throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
        gen.initialize(2048);
        KeyPair ca = gen.generateKeyPair();
        KeyPair server = gen.generateKeyPair();
        Instant now = Instant.now();
        Date from = Date.from(now.minus(Duration.ofMinutes(5)));
        Date to = Date.from(now.plus(Duration.ofDays(1)));
        X500Name caName = new X500Name("CN=Sluice Test CA");

        JcaX509v3CertificateBuilder caBuilder = new JcaX509v3CertificateBuilder(caName, BigInteger.ONE, from, to, caName, ca.getPublic());
        caBuilder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        caBuilder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        X509Certificate caCert = sign(caBuilder, ca.getPrivate());

        JcaX509v3CertificateBuilder serverBuilder = new JcaX509v3CertificateBuilder(caName, BigInteger.TWO, from, to,
                new X500Name("CN=localhost"), server.getPublic());
        serverBuilder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        serverBuilder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        serverBuilder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
        X509Certificate serverCert = sign(serverBuilder, ca.getPrivate());

        Path caPem = Files.writeString(dir.resolve("ca.pem"), pem("CERTIFICATE", caCert.getEncoded()));
        Path certPem = Files.writeString(dir.resolve("server.pem"), pem("CERTIFICATE", serverCert.getEncoded()));
        Path keyPem = Files.writeString(dir.resolve("server.key"), pem("PRIVATE KEY", server.getPrivate().getEncoded()));
        String password = "trust-store-pw";
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("sluice-test-ca", caCert);
        Path trustStore = dir.resolve("truststore.p12");
        try (OutputStream out = Files.newOutputStream(trustStore)) {
            trust.store(out, password.toCharArray());
        }
        return new TestCertificates(caPem, certPem, keyPem, trustStore, password);
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder builder, PrivateKey key) throws Exception {
        X509CertificateHolder holder = builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(key));
        return new JcaX509CertificateConverter().getCertificate(holder);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
